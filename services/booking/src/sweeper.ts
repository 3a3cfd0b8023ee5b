import { withTransaction, type Logger, type Pool } from '@ticketing/platform';
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import { expireIfLapsed, releaseOrphanedSeats, type HoldSettings } from './holds.js';

/** One sweep: expires up to 200 lapsed holds, then frees orphaned seats. Returns how many holds it expired. */
export async function sweepOnce(pool: Pool, settings: HoldSettings, stopped: () => boolean = () => false): Promise<number> {
  let count = 0;
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM booking.holds WHERE status = 'active' AND expires_at <= now() ORDER BY expires_at LIMIT 200`,
  );
  for (const { id } of rows) {
    if (stopped()) break;
    if (await withTransaction(pool, (tx) => expireIfLapsed(tx, settings, id))) count++;
  }
  await withTransaction(pool, (tx) => releaseOrphanedSeats(tx));
  return count;
}

/**
 * Background housekeeping, safe on every replica at once: expires lapsed
 * holds (emitting hold.expired) and frees seats left behind by holds that a
 * buyer's claim expired. Buyers never wait for it: a lapsed hold's seats are
 * claimable immediately.
 */
export function startSweeper(deps: { pool: Pool; settings: HoldSettings; logger: Logger; registry: Registry; intervalMs: number }) {
  const expired = new Counter({ name: 'booking_holds_expired_total', help: 'Holds expired by the sweeper.', registers: [deps.registry] });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const loop = () => {
    running = sweepOnce(deps.pool, deps.settings, () => stopped)
      .then((count) => {
        expired.inc(count);
        if (count > 0) deps.logger.info('expired lapsed holds', { count });
      })
      .catch((error) => deps.logger.warn('sweeper run failed', { error }))
      .then(() => {
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
