import type { Logger, Pool } from '@ticketing/platform';

/**
 * The lifecycle clock: moves events on when their time comes, each move
 * audited and published like a partner's change (actor `system`). Every
 * replica runs it; each step is one idempotent statement.
 *   scheduled, salesOpenAt reached      → on_sale
 *   scheduled / on_sale / paused, start reached → sales_closed
 *   sales_closed, end reached          → happened
 */
const steps = [
  { from: ['scheduled'], to: 'on_sale', due: 'sales_open_at <= now() AND starts_at > now()' },
  { from: ['scheduled', 'on_sale', 'paused'], to: 'sales_closed', due: 'starts_at <= now()' },
  { from: ['sales_closed'], to: 'happened', due: 'ends_at <= now()' },
] as const;

/** Applies every due step once; returns how many events moved. */
export async function advanceLifecycle(pool: Pool): Promise<number> {
  let moved = 0;
  for (const step of steps) {
    const { rowCount } = await pool.query(
      `WITH moved AS (
         UPDATE catalog.events e SET status = $2, updated_at = now()
           FROM (SELECT id, status FROM catalog.events WHERE status = ANY($1::text[]) AND ${step.due} FOR UPDATE SKIP LOCKED) due
          WHERE e.id = due.id
          RETURNING e.id, e.owner_id, due.status AS previous)
       INSERT INTO catalog.changes (message_id, actor, owner_id, entity, entity_id, type, data)
       SELECT gen_random_uuid(), 'system', owner_id, 'event', id, 'event.status_changed', jsonb_build_object('from', previous, 'to', $2::text)
         FROM moved`,
      [step.from, step.to],
    );
    moved += rowCount ?? 0;
  }
  return moved;
}

export function startLifecycleClock(deps: { pool: Pool; logger: Logger; intervalMs: number; onMoved(): void }) {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= advanceLifecycle(deps.pool)
      .then((moved) => {
        if (moved > 0) deps.onMoved();
      })
      .catch((error: unknown) => deps.logger.warn('lifecycle clock step failed', { error: (error as Error).message }))
      .finally(() => (running = undefined));
  }, deps.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
