import { withTransaction, type Logger } from '@ticketing/platform';
import { cancelLockedBooking, type BookingRow } from './bookings.js';
import type { CheckoutDeps } from './checkout.js';
import { endHold, lockHold } from './holds.js';
import { cancelledEventWork, lockInventoryOf } from './inventory.js';
import { completeRefunds } from './refunds.js';

/** Default of BookingOptions.eventCancellationBatchSize: holds and bookings per transaction. */
export const defaultEventCancellationBatchSize = 100;

/**
 * One bounded batch of an event cancellation: up to `batchSize` of a cancelled
 * catalog event's confirmed bookings (cancelled, reason event_cancelled,
 * payment refunded) and active holds (released, reason event_cancelled), in
 * one transaction with their messages. Progress is the rows' own state, so a
 * restart half-way simply continues. Replicas take different events (a
 * per-event advisory lock, tried, never waited on); rows are locked in the
 * standard order and re-checked. Returns how many it cancelled.
 */
export async function cancelEventsBatch(deps: CheckoutDeps, batchSize: number, logger?: Logger): Promise<number> {
  const refunds: string[] = [];
  const count = await withTransaction(deps.pool, async (tx) => {
    const busy: string[] = [];
    for (;;) {
      const work = await cancelledEventWork(tx, batchSize, busy);
      if (!work) return 0;
      const claimed = await tx.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS ok`, [
        `booking.event-cancellation:${work.eventId}`,
      ]);
      if (!claimed.rows[0]!.ok) {
        busy.push(work.eventId);
        continue;
      }
      await lockInventoryOf(tx, work.eventId, work.holdIds, work.bookingIds);
      let done = 0;
      for (const holdId of [...work.holdIds].sort()) {
        const locked = (await lockHold(tx, holdId))!;
        if (locked.hold.status !== 'active') continue;
        await endHold(tx, deps.outbox, locked, 'released', 'event_cancelled');
        done++;
      }
      const bookings = await tx.query<BookingRow>('SELECT * FROM booking.bookings WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [work.bookingIds]);
      for (const booking of bookings.rows) {
        if (booking.status !== 'confirmed') continue;
        await cancelLockedBooking(tx, deps.outbox, booking, 'event_cancelled');
        refunds.push(booking.payment_id);
        done++;
      }
      return done;
    }
  });
  // After commit; a refund lost here stays refund_pending for the sweeper.
  await completeRefunds(deps.pool, deps.provider, refunds, logger);
  return count;
}

/** Sweeper step: batches until no cancelled event has work left (bounded per run). */
export async function drainCancelledEvents(deps: CheckoutDeps, batchSize: number, stopped: () => boolean, logger?: Logger): Promise<number> {
  let total = 0;
  for (let batch = 0; batch < 50 && !stopped(); batch++) {
    const count = await cancelEventsBatch(deps, batchSize, logger);
    if (count === 0) break;
    total += count;
  }
  return total;
}
