import type { Logger, Pool, Tx } from '@ticketing/platform';
import { withTransaction } from '@ticketing/platform';
import { notify } from './inbox.js';

/** Starts or moves a hold's expiry notice to `noticeSeconds` before it expires; a notice already given stays given. */
export async function scheduleHoldTimer(
  tx: Tx,
  hold: { holdId: string; buyerId: string; eventId: string; expiresAt: Date },
  noticeSeconds: number,
): Promise<void> {
  await tx.query(
    `INSERT INTO notifications.hold_timers (hold_id, buyer_id, event_id, expires_at, notify_at)
     VALUES ($1, $2, $3, $4, $4::timestamptz - make_interval(secs => $5))
     ON CONFLICT (hold_id) DO UPDATE SET expires_at = EXCLUDED.expires_at, notify_at = EXCLUDED.notify_at
      WHERE hold_timers.settled_at IS NULL`,
    [hold.holdId, hold.buyerId, hold.eventId, hold.expiresAt, noticeSeconds],
  );
}

/** The hold was booked, expired or released: no notice. */
export async function cancelHoldTimer(tx: Tx, holdId: string): Promise<void> {
  await tx.query('UPDATE notifications.hold_timers SET settled_at = now() WHERE hold_id = $1 AND settled_at IS NULL', [holdId]);
}

/**
 * Gives the notices that are due, in one transaction per batch: the rows are
 * claimed with SKIP LOCKED (any number of replicas), settled, and their
 * notifications recorded together, so each hold is told at most once. A
 * hold that has already expired (the service was down) gets no notice.
 */
export async function fireDueTimers(pool: Pool, batch = 100): Promise<number> {
  return withTransaction(pool, async (tx) => {
    const { rows } = await tx.query<{ hold_id: string; buyer_id: string; event_id: string; expires_at: Date; live: boolean }>(
      `WITH due AS (
         SELECT hold_id FROM notifications.hold_timers WHERE settled_at IS NULL AND notify_at <= now()
          ORDER BY notify_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE notifications.hold_timers t SET settled_at = now() FROM due WHERE t.hold_id = due.hold_id
       RETURNING t.hold_id, t.buyer_id, t.event_id, t.expires_at, t.expires_at > now() AS live`,
      [batch],
    );
    for (const timer of rows.filter((r) => r.live)) {
      await notify(tx, {
        recipientId: timer.buyer_id,
        kind: 'hold-expiring',
        about: `hold-expiring:${timer.hold_id}`,
        eventId: timer.event_id,
        context: { expiresAt: timer.expires_at },
      });
    }
    return rows.length;
  });
}

/** Runs `tick` every `intervalMs` (never two at once) until stopped; a failed tick is logged and the next one tries again. */
export function startLoop(what: string, intervalMs: number, tick: () => Promise<unknown>, logger: Logger): () => Promise<void> {
  let current: Promise<void> | undefined;
  const timer = setInterval(() => {
    current ??= tick()
      .then(() => undefined)
      .catch((error: unknown) => logger.warn(`${what} failed; retrying`, { error: (error as Error).message }))
      .finally(() => (current = undefined));
  }, intervalMs);
  return async () => {
    clearInterval(timer);
    await current;
  };
}
