import { withTransaction, type Logger, type Pool } from '@ticketing/platform';
import type { Counter } from 'prom-client';
import type { CheckoutDeps } from './checkout.js';
import { drainCancelledEvents } from './event-cancellations.js';
import { expireIfLapsed } from './holds.js';
import { releaseOrphanedSeats } from './inventory.js';
import type { Outbox } from './messages.js';
import { reconcilePayments } from './reconciler.js';
import type { SweeperMetrics } from './metrics.js';
import { retryPendingRefunds } from './refunds.js';

/** One sweep: expires up to 200 lapsed holds, then frees orphaned seats. Returns how many holds it expired. */
export async function sweepOnce(pool: Pool, outbox: Outbox, stopped: () => boolean = () => false): Promise<number> {
  let count = 0;
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM booking.holds WHERE status = 'active' AND expires_at <= now() ORDER BY expires_at LIMIT 200`,
  );
  for (const { id } of rows) {
    if (stopped()) break;
    if (await withTransaction(pool, (tx) => expireIfLapsed(tx, outbox, id))) count++;
  }
  await withTransaction(pool, (tx) => releaseOrphanedSeats(tx));
  return count;
}

/**
 * Background housekeeping, safe on every replica at once: expires lapsed
 * holds (emitting hold.expired), frees seats left behind by holds that a
 * buyer's claim expired, settles payments whose checkout was abandoned,
 * cancels what cancelled events still hold or sold, and retries lost refunds.
 * Buyers never wait for it: a lapsed hold's seats are claimable immediately.
 */
export function startSweeper(deps: {
  checkout: CheckoutDeps;
  logger: Logger;
  metrics: SweeperMetrics;
  intervalMs: number;
  eventCancellationBatchSize: number;
}) {
  const { pool, outbox, provider } = deps.checkout;
  // Expiries are counted from their hold.expired messages (booking_holds_total), like every hold change.
  const { reconciled, refundsRetried: refunded, eventCancellationItems: eventCancelled } = deps.metrics;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  /** One step of the run; a failing step is logged and does not stop the others. */
  const step = async (name: string, work: () => Promise<number>, counter?: Counter) => {
    try {
      const count = await work();
      counter?.inc(count);
      if (count > 0) deps.logger.info(`sweeper: ${name}`, { count });
    } catch (error) {
      deps.logger.warn(`sweeper: ${name} failed`, { error });
    }
  };

  const loop = () => {
    running = (async () => {
      await step('expired lapsed holds', () => sweepOnce(pool, outbox, () => stopped));
      await step('reconciled abandoned payments', () => reconcilePayments(deps.checkout, 100, () => stopped), reconciled);
      await step(
        'cancelled holds and bookings of cancelled events',
        () => drainCancelledEvents(deps.checkout, deps.eventCancellationBatchSize, () => stopped, deps.logger),
        eventCancelled,
      );
      await step('retried refunds', () => retryPendingRefunds(pool, provider, 100, deps.logger), refunded);
    })().then(() => {
      if (!stopped) timer = setTimeout(loop, deps.intervalMs);
    });
  };
  timer = setTimeout(loop, deps.intervalMs);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
