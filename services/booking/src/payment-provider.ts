import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The payment provider boundary. The platform ships a simulated provider (no
 * real money moves in this repository); a real one implements the same
 * interface. Test card tokens pick the outcome, as real providers' sandboxes do.
 */
export type ChargeOutcome = 'approved' | 'declined' | 'pending';
/** What the provider knows of a payment; `not_found`: it never took a charge under that id. */
export type PaymentStatus = ChargeOutcome | 'not_found';

export interface PaymentProvider {
  /** Charges; rejects with PaymentTimeoutError when the provider does not answer in time. */
  charge(request: { paymentId: string; amountCents: number; currency: string; method: string }, timeoutMs: number): Promise<ChargeOutcome>;
  /** Looks a charge up by our payment id, to reconcile payments whose outcome we lost. */
  status(paymentId: string): Promise<PaymentStatus>;
  /** Refunds; keyed by payment id, so a repeated refund is a no-op (it is retried after a crash). */
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

export interface SimulatedPaymentProvider extends PaymentProvider {
  /** Payment ids refunded, each once. */
  refunds: string[];
  /** Decides an async (pm_card_async) charge, as the provider's back office would before calling the webhook. */
  complete(paymentId: string, outcome: 'approved' | 'declined'): void;
}

/** How long the simulated provider takes to answer a charge, by default. */
export const simulatedProviderLatencyMs = 20;

export function createSimulatedPaymentProvider(options: { latencyMs?: number } = {}): SimulatedPaymentProvider {
  const latencyMs = options.latencyMs ?? simulatedProviderLatencyMs;
  const refunds: string[] = [];
  // What it charged, by payment id, as a real provider's ledger remembers.
  const charges = new Map<string, ChargeOutcome>();
  return {
    refunds,
    complete(paymentId, outcome) {
      if (charges.get(paymentId) === 'pending') charges.set(paymentId, outcome);
    },
    async status(paymentId) {
      await sleep(latencyMs);
      return charges.get(paymentId) ?? 'not_found';
    },
    async charge(request, timeoutMs) {
      charges.set(request.paymentId, 'pending');
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
      try {
        const answer = await Promise.race([outcome, timeout]);
        charges.set(request.paymentId, answer);
        return answer;
      } catch (error) {
        // A charge that never answered was never completed: the lookup says not found.
        charges.delete(request.paymentId);
        throw error;
      }
    },
    async refund(paymentId) {
      await sleep(latencyMs);
      if (!refunds.includes(paymentId)) refunds.push(paymentId);
    },
  };
}
