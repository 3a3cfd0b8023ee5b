import type { Logger, Pool, Tx } from '@ticketing/platform';
import type { PaymentProvider } from './payment-provider.js';

/**
 * Refunds survive a crash between commit and the provider call: the deciding
 * transaction marks the payment 'refund_pending' (with its booking.cancelled /
 * payment.refunded message), the provider is called after commit and only its
 * acknowledgement makes it 'refunded'. The sweeper retries the rest; the
 * provider's refund is keyed by payment id, so a repeat is harmless.
 */
export async function markRefundPending(tx: Tx, paymentId: string): Promise<void> {
  await tx.query(`UPDATE booking.payments SET status = 'refund_pending', updated_at = now() WHERE id = $1`, [paymentId]);
}

/** After commit: refunds at the provider and records each acknowledgement. Never throws; returns how many completed. */
export async function completeRefunds(pool: Pool, provider: PaymentProvider, paymentIds: readonly string[], logger?: Logger): Promise<number> {
  let done = 0;
  for (const id of paymentIds) {
    try {
      await provider.refund(id);
      await pool.query(`UPDATE booking.payments SET status = 'refunded', updated_at = now() WHERE id = $1 AND status = 'refund_pending'`, [id]);
      done++;
    } catch (error) {
      // Still refund_pending: the sweeper tries again.
      logger?.warn('refund not completed; will retry', { paymentId: id, error });
    }
  }
  return done;
}

/** Sweeper step: retries refunds owed but not acknowledged. */
export async function retryPendingRefunds(pool: Pool, provider: PaymentProvider, limit = 100, logger?: Logger): Promise<number> {
  const { rows } = await pool.query<{ id: string }>(`SELECT id FROM booking.payments WHERE status = 'refund_pending' ORDER BY updated_at LIMIT $1`, [limit]);
  return completeRefunds(
    pool,
    provider,
    rows.map((r) => r.id),
    logger,
  );
}
