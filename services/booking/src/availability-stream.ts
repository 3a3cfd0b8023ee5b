/**
 * Live availability: Server-Sent Events of one event's seats and
 * general-admission places, for seat maps that change while a buyer looks.
 *
 * How a change made on any replica reaches streams on every replica: each
 * replica reads the availability of every event it has streams open for once
 * per interval (setting AVAILABILITY_STREAM_INTERVAL_MS; not once per client),
 * diffs it against what its streams were last sent, and sends only the seats
 * that changed. Reading committed state covers every writer (holds, checkout,
 * the sweeper, cancellations, catalog changes, an operator's SQL), announces
 * nothing that was rolled back, and costs a bounded number of reads per event
 * however busy the onsale. Chosen over NOTIFY from the writing transactions
 * (the first design): PostgreSQL serializes the commits of every transaction
 * that notifies on one cluster-wide lock held through the commit's WAL flush,
 * so every hold and sale queued behind the one before it (docs/benchmarks.md).
 */
import type { Request, Response } from 'express';
import { problems, type Logger, type Pool } from '@ticketing/platform';
import type { EventStream, EventStreams } from '@ticketing/platform/sse';
import { readAvailability, type Availability, type Layout } from './availability.js';

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
  /** The seat layout of the last read: later reads fetch only statuses while it fits. */
  layout: Layout | undefined;
  /** The first read (before any stream is opened), shared by concurrent first subscribers. */
  ready: Promise<void>;
  /** A read is under way: the next interval skips this event rather than queue another. */
  reading: boolean;
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
  streams: EventStreams;
  logger: Logger;
  maxStreams: number;
  /** How often each watched event is read again. */
  intervalMs: number;
}): AvailabilityHub {
  const { pool, streams, logger } = options;
  const watched = new Map<string, Watched>();
  let open = 0;

  async function refresh(eventId: string, w: Watched): Promise<void> {
    if (w.reading) return;
    w.reading = true;
    try {
      const { availability: next, layout } = await readAvailability(pool, eventId, w.layout);
      w.layout = layout;
      if (w.last) {
        const changes = diffAvailability(w.last, next);
        if (changes.seats.length > 0 || changes.generalAdmission.length > 0) for (const stream of w.streams) stream.send('changes', changes);
      }
      w.last = next;
    } finally {
      w.reading = false;
    }
  }

  const poll = setInterval(() => {
    for (const [eventId, w] of watched) {
      // Before its first read has answered, an event has nothing to diff against.
      if (!w.last) continue;
      refresh(eventId, w).catch((error: unknown) => logger.warn('availability refresh failed', { eventId, error: (error as Error).message }));
    }
  }, options.intervalMs);
  poll.unref();

  return {
    get watchedEvents() {
      return watched.size;
    },
    async subscribe(req, res, eventId) {
      if (open >= options.maxStreams) throw problems.unavailable('this replica has as many live availability streams open as it may', 5, 'streams-exhausted');
      let w = watched.get(eventId);
      if (!w) {
        const created: Watched = { streams: new Set(), last: undefined, layout: undefined, ready: Promise.resolve(), reading: false };
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
      clearInterval(poll);
    },
  };
}
