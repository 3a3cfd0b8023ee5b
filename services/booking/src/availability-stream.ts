/**
 * Live availability: Server-Sent Events of one event's seats and
 * general-admission places, for seat maps that change while a buyer looks.
 *
 * How a change made on any replica reaches streams on every replica: a
 * trigger on the inventory tables NOTIFYs channel `booking_availability` with
 * the event id inside the writing transaction (migration 003), so the message
 * exists exactly when the change has committed. Every replica LISTENs on one
 * connection of its own. Per event it then reads availability once (not once
 * per client), diffs it against what its streams were last sent, and sends
 * only the seats that changed. Chosen over a Kafka consumer per replica: no
 * consumer group per pod to create and rebalance, no relay delay, and nothing
 * can be announced that was rolled back; the database is already every
 * replica's source of truth. A dropped LISTEN connection is re-opened and
 * every watched event re-read, so nothing missed while it was down stays stale.
 */
import pg from 'pg';
import type { Request, Response } from 'express';
import { problems, type Logger, type Pool } from '@ticketing/platform';
import type { EventStream, EventStreams } from '@ticketing/platform/sse';
import { readAvailability, type Availability } from './availability.js';

export const availabilityChannel = 'booking_availability';

/** What a stream is sent after its first `snapshot`: only what changed. */
export interface AvailabilityChanges {
  eventId: string;
  seats: { seatId: string; status: Availability['seats'][number]['status'] }[];
  generalAdmission: { sectionId: string; available: number }[];
}

interface Watched {
  streams: Set<EventStream>;
  /** What every stream of this event was last sent. */
  last: Availability | undefined;
  /** The first read (before any stream is opened), shared by concurrent first subscribers. */
  ready: Promise<void>;
  reading: boolean;
  /** A notification arrived during a read: read again when it is done. */
  again: boolean;
}

export interface AvailabilityHub {
  /** Answers `req` with the event's availability stream (404 before any stream if there is no such event). */
  subscribe(req: Request, res: Response, eventId: string): Promise<void>;
  /** Events watched on this replica now. */
  readonly watchedEvents: number;
  stop(): Promise<void>;
}

export function diffAvailability(before: Availability, after: Availability): AvailabilityChanges {
  const seatsBefore = new Map(before.seats.map((s) => [s.seatId, s.status]));
  const gaBefore = new Map(before.generalAdmission.map((g) => [g.sectionId, g.available]));
  return {
    eventId: after.eventId,
    seats: after.seats.filter((s) => seatsBefore.get(s.seatId) !== s.status).map((s) => ({ seatId: s.seatId, status: s.status })),
    generalAdmission: after.generalAdmission
      .filter((g) => gaBefore.get(g.sectionId) !== g.available)
      .map((g) => ({ sectionId: g.sectionId, available: g.available })),
  };
}

export function startAvailabilityHub(options: {
  pool: Pool;
  databaseUrl: string;
  streams: EventStreams;
  logger: Logger;
  maxStreams: number;
  /** Delay before re-opening a lost LISTEN connection. @default 1000 */
  reconnectMs?: number;
}): AvailabilityHub {
  const { pool, streams, logger } = options;
  const watched = new Map<string, Watched>();
  let open = 0;
  let stopped = false;
  let listener: pg.Client | undefined;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  async function refresh(eventId: string, w: Watched): Promise<void> {
    if (w.reading) {
      w.again = true;
      return;
    }
    w.reading = true;
    try {
      do {
        w.again = false;
        const next = await readAvailability(pool, eventId);
        if (w.last) {
          const changes = diffAvailability(w.last, next);
          if (changes.seats.length > 0 || changes.generalAdmission.length > 0) for (const stream of w.streams) stream.send('changes', changes);
        }
        w.last = next;
      } while (w.again && !stopped);
    } finally {
      w.reading = false;
    }
  }

  const refreshLogged = (eventId: string, w: Watched) =>
    refresh(eventId, w).catch((error: unknown) => logger.warn('availability refresh failed', { eventId, error: (error as Error).message }));

  async function listen(): Promise<void> {
    const client = new pg.Client({ connectionString: options.databaseUrl, application_name: 'booking-availability-listener' });
    const lost = (why: string) => {
      if (listener !== client) return;
      listener = undefined;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (stopped) return;
      logger.warn('availability listener lost; reconnecting', { why });
      reconnectTimer = setTimeout(() => void connect(), options.reconnectMs ?? 1_000);
    };
    client.on('error', (error) => lost(error.message));
    client.on('end', () => lost('connection ended'));
    client.on('notification', (message) => {
      const eventId = message.payload;
      const w = eventId ? watched.get(eventId) : undefined;
      if (eventId && w) void refreshLogged(eventId, w);
    });
    await client.connect();
    await client.query(`LISTEN ${availabilityChannel}`);
    listener = client;
    // Changes made while no connection listened: re-read everything watched.
    for (const [eventId, w] of watched) void refreshLogged(eventId, w);
  }

  async function connect(): Promise<void> {
    try {
      await listen();
    } catch (error) {
      if (stopped) return;
      logger.warn('availability listener could not connect; retrying', { error: (error as Error).message });
      reconnectTimer = setTimeout(() => void connect(), options.reconnectMs ?? 1_000);
    }
  }
  void connect();

  return {
    get watchedEvents() {
      return watched.size;
    },
    async subscribe(req, res, eventId) {
      if (open >= options.maxStreams) throw problems.unavailable('this replica has as many live availability streams open as it may', 5, 'streams-exhausted');
      let w = watched.get(eventId);
      if (!w) {
        const created: Watched = { streams: new Set(), last: undefined, ready: Promise.resolve(), reading: false, again: false };
        created.ready = refresh(eventId, created);
        watched.set(eventId, created);
        w = created;
        // No such event (404), or the read failed: nobody watches it.
        created.ready.catch(() => watched.get(eventId) === created && created.streams.size === 0 && watched.delete(eventId));
      }
      await w.ready;
      const watcher = w;
      const stream = streams.open(req, res);
      open += 1;
      watcher.streams.add(stream);
      stream.send('snapshot', watcher.last);
      stream.onClose(() => {
        open -= 1;
        watcher.streams.delete(stream);
        if (watcher.streams.size === 0 && watched.get(eventId) === watcher) watched.delete(eventId);
      });
    },
    async stop() {
      stopped = true;
      clearTimeout(reconnectTimer);
      const client = listener;
      listener = undefined;
      await client?.end().catch(() => undefined);
    },
  };
}
