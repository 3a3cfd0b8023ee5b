import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The payment provider boundary. The platform ships a simulated provider (no
 * real money moves in this repository); a real one implements the same
 * interface. Test card tokens pick the outcome, as real providers' sandboxes do.
 */
export type ChargeOutcome = 'approved' | 'declined' | 'pending';

export interface PaymentProvider {
  /** Charges; rejects with PaymentTimeoutError when the provider does not answer in time. */
  charge(request: { paymentId: string; amountCents: number; currency: string; method: string }, timeoutMs: number): Promise<ChargeOutcome>;
  refund(paymentId: string): Promise<void>;
}

export class PaymentTimeoutError extends Error {
  constructor() {
    super('payment provider did not answer in time');
    this.name = 'PaymentTimeoutError';
  }
}

export const simulatedPaymentMethods = {
  pm_card_approved: 'approves after a short delay',
  pm_card_declined: 'is declined (e.g. insufficient funds)',
  pm_card_timeout: 'never answers within the timeout',
  pm_card_async: 'answers "pending"; the outcome arrives later on POST /payments/webhook',
} as const;
export type SimulatedPaymentMethod = keyof typeof simulatedPaymentMethods;

export function createSimulatedPaymentProvider(options: { latencyMs?: number } = {}): PaymentProvider & { refunds: string[] } {
  const latencyMs = options.latencyMs ?? 20;
  const refunds: string[] = [];
  return {
    refunds,
    async charge(request, timeoutMs) {
      const outcome: Promise<ChargeOutcome> = (async () => {
        switch (request.method as SimulatedPaymentMethod) {
          case 'pm_card_approved':
            await sleep(latencyMs);
            return 'approved';
          case 'pm_card_declined':
            await sleep(latencyMs);
            return 'declined';
          case 'pm_card_async':
            await sleep(latencyMs);
            return 'pending';
          case 'pm_card_timeout':
            await sleep(timeoutMs + 1_000, undefined, { ref: false });
            return 'approved';
          default:
            return 'declined';
        }
      })();
      const timeout = sleep(timeoutMs, undefined, { ref: false }).then(() => {
        throw new PaymentTimeoutError();
      });
      return Promise.race([outcome, timeout]);
    },
    async refund(paymentId) {
      await sleep(latencyMs);
      refunds.push(paymentId);
    },
  };
}
