/**
 * The admission loop every replica runs. Nothing is elected: each step is one
 * atomic script in Redis that admits what the rate has earned since the last
 * step of any replica (by Redis's clock), so two replicas stepping at once
 * admit the same number as one, and a replica that dies leaves the others
 * admitting on time. A slower loop copies the rooms from PostgreSQL (their
 * durable home) to Redis and marks the events that sold out.
 */
import type { Logger, Pool } from '@ticketing/platform';
import type { WaitingRoomMetrics } from './metrics.js';
import type { Queue, RoomSettings, TickResult } from './queue.js';
import { activeRooms, type RoomRow } from './rooms.js';

/** The room's settings as the queue runs them: a cancelled event's room takes nobody new. */
export async function publishRoom(queue: Queue, room: RoomRow, facts: { cancelled: boolean }): Promise<void> {
  const settings: RoomSettings = { ...room, open: room.open && !facts.cancelled };
  await queue.applySettings(room.eventId, settings);
  await queue.addRoom(room.eventId);
}

export interface SchedulerOptions {
  queue: Queue;
  pool: Pool;
  logger: Logger;
  metrics: WaitingRoomMetrics;
  tickMs: number;
  syncMs: number;
  /** Hears every step this replica ran (the live streams, tests). */
  onStep?: (eventId: string, result: TickResult) => void;
}

export interface Scheduler {
  /** One admission step of every room. */
  step(): Promise<void>;
  /** Copies the rooms to Redis and marks sold-out events. */
  sync(): Promise<void>;
  stop(): Promise<void>;
}

/** Runs `work` every `ms` (after the previous run ends, so runs never overlap) until stopped. */
function every(ms: number, work: () => Promise<void>): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = work().finally(() => {
        running = undefined;
        schedule();
      });
    }, ms);
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

export function startScheduler(options: SchedulerOptions): Scheduler {
  const { queue, pool, logger, metrics } = options;

  const step = async () => {
    for (const eventId of await queue.rooms()) {
      const result = await queue.tick(eventId);
      metrics.stepped(eventId, result);
      options.onStep?.(eventId, result);
    }
  };

  const sync = async () => {
    const rooms = await activeRooms(pool);
    const active = new Set(rooms.map((r) => r.room.eventId));
    for (const { room, cancelled, soldOut } of rooms) {
      await publishRoom(queue, room, { cancelled });
      await queue.setSoldOut(room.eventId, soldOut);
    }
    // Read after the list: a room saved meanwhile is in Redis already and re-checked below, never dropped.
    const stale = (await queue.rooms()).filter((id) => !active.has(id));
    if (stale.length === 0) return;
    const { rows } = await pool.query<{ event_id: string }>(
      `SELECT r.event_id FROM waiting_room.rooms r JOIN catalog.events e ON e.id = r.event_id
        WHERE r.event_id = ANY($1::uuid[]) AND e.starts_at > now()`,
      [stale],
    );
    const stillActive = new Set(rows.map((r) => r.event_id));
    for (const eventId of stale.filter((id) => !stillActive.has(id))) {
      // Deleted, or its event has started: the sale through the room is over.
      await queue.removeRoom(eventId);
      metrics.forget(eventId);
    }
  };

  const guarded = (what: string, work: () => Promise<void>) => async () => {
    try {
      await work();
    } catch (error) {
      metrics.stepFailed();
      logger.warn(`waiting-room ${what} failed`, { error: (error as Error).message });
    }
  };
  const stepLoop = every(options.tickMs, guarded('admission step', step));
  const syncLoop = every(options.syncMs, guarded('room sync', sync));
  // The first sync right away, so a fresh Redis gets its rooms before the first step.
  void queue.ready().then(guarded('room sync', sync));

  return {
    step,
    sync,
    async stop() {
      await Promise.all([stepLoop.stop(), syncLoop.stop()]);
    },
  };
}
