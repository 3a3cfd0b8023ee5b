import { withTransaction, type IdempotentWriter, type Logger, type Pool } from '@ticketing/platform';
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import { expireIfLapsed, releaseOrphanedSeats, type HoldSettings } from './holds.js';

/**
 * Background housekeeping, safe on every replica at once: expires lapsed
 * holds (emitting hold.expired), frees seats left behind by holds that a
 * buyer's claim expired, and purges old idempotency keys. Buyers never wait
 * for it: a lapsed hold's seats are claimable immediately.
 */
export function startSweeper(deps: { pool: Pool; settings: HoldSettings; writer: IdempotentWriter; logger: Logger; registry: Registry; intervalMs: number }) {
  const expired = new Counter({ name: 'booking_holds_expired_total', help: 'Holds expired by the sweeper.', registers: [deps.registry] });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  async function sweepOnce(): Promise<number> {
    let count = 0;
    const { rows } = await deps.pool.query<{ id: string }>(
      `SELECT id FROM booking.holds WHERE status = 'active' AND expires_at <= now() ORDER BY expires_at LIMIT 200`,
    );
    for (const { id } of rows) {
      if (stopped) break;
      if (await withTransaction(deps.pool, (tx) => expireIfLapsed(tx, deps.settings, id))) count++;
    }
    await withTransaction(deps.pool, (tx) => releaseOrphanedSeats(tx));
    await deps.writer.purgeExpired();
    expired.inc(count);
    return count;
  }

  const loop = () => {
    running = sweepOnce()
      .then((count) => count > 0 && deps.logger.info('expired lapsed holds', { count }))
      .catch((error) => deps.logger.warn('sweeper run failed', { error }))
      .then(() => {
        if (!stopped) timer = setTimeout(loop, deps.intervalMs);
      });
  };
  timer = setTimeout(loop, deps.intervalMs);

  return {
    sweepOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
