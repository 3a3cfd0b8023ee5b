import { createHash } from 'node:crypto';
import { etagOf, problems, type CacheableAnswer, type Pool } from '@ticketing/platform';
import { findCatalogEvent } from './catalog-reader.js';
import { ensureInventory } from './inventory.js';

/**
 * The seat map buyers poll during an onsale, served from a short per-process
 * cache: however many buyers ask, each event costs one database read per
 * interval (concurrent misses share one read), and each answer is serialized
 * once per interval and variant. Answers carry an ETag, so a poller that
 * already has the current state gets a 304 with no body.
 *
 * Three encodings of the same state:
 *   full     every seat with its section, category, price and status (the original shape);
 *   compact  per group of seats (section, category, price) one status character per seat
 *            (`a` available, `h` held, `s` sold), in the order of the layout;
 *   layout   the seat ids of each group in that order; changes only when the inventory does,
 *            so clients fetch it once and then poll `compact`.
 */

export type AvailabilityFormat = 'full' | 'compact' | 'layout';
export type SeatStatus = 'available' | 'held' | 'sold';

export interface SeatGroup {
  sectionId: string;
  category: string;
  priceCents: number;
  currency: string;
  seatIds: string[];
}

export interface Layout {
  /** Changes whenever the seats or their grouping do; compact answers name it. */
  version: string;
  groups: SeatGroup[];
}

export interface GaAvailability {
  sectionId: string;
  category: string;
  priceCents: number;
  currency: string;
  capacity: number;
  available: number;
}

/** The state of one event's inventory at one moment: the layout and one status string per group. */
export interface AvailabilitySnapshot {
  eventId: string;
  layout: Layout;
  /** `statuses[i]` has one character per seat of `layout.groups[i]`. */
  statuses: string[];
  generalAdmission: GaAvailability[];
  /** Hash of everything above; answers' ETags derive from it. */
  version: string;
}

const statusOf: Record<string, SeatStatus> = { a: 'available', h: 'held', s: 'sold' };
const hash = (text: string) => createHash('sha1').update(text).digest('base64url').slice(0, 22);
const groupKey = (g: { sectionId: string; category: string; priceCents: number; currency: string }) =>
  `${g.sectionId}|${g.category}|${g.priceCents}|${g.currency}`;

/** Seat ids per group, in the order every status string follows. */
async function readLayout(pool: Pool, eventId: string): Promise<Layout | undefined> {
  const event = await findCatalogEvent(pool, eventId);
  if (!event) return undefined;
  await ensureInventory(pool, event);
  const { rows } = await pool.query<{ section_id: string; category: string; price_cents: number; currency: string; seat_ids: string[] }>({
    name: 'availability-layout',
    text: `SELECT section_id, category, price_cents, currency, array_agg(seat_id ORDER BY seat_id) AS seat_ids
             FROM booking.seat_inventory WHERE event_id = $1
            GROUP BY section_id, category, price_cents, currency ORDER BY section_id, category, price_cents, currency`,
    values: [eventId],
  });
  const groups = rows.map((r) => ({ sectionId: r.section_id, category: r.category, priceCents: r.price_cents, currency: r.currency, seatIds: r.seat_ids }));
  return { version: hash(JSON.stringify(groups)), groups };
}

/**
 * Seat statuses as one string per group, and GA places left, in one round
 * trip. Lapsed holds count as available, matching what a hold request gets;
 * so do GA places of lapsed, unswept holds (a hold request reclaims them).
 */
const statusQuery = {
  name: 'availability-status',
  text: `SELECT section_id, category, price_cents, currency,
                string_agg(CASE WHEN status = 'sold' THEN 's' WHEN status = 'held' AND held_until > now() THEN 'h' ELSE 'a' END, '' ORDER BY seat_id) AS statuses,
                NULL::int AS capacity, NULL::int AS available
           FROM booking.seat_inventory WHERE event_id = $1
          GROUP BY section_id, category, price_cents, currency
         UNION ALL
         SELECT g.section_id, g.category, g.price_cents, g.currency, NULL, g.capacity,
                (g.capacity - g.sold - g.held + COALESCE((
                  SELECT sum(h.ga_quantity) FROM booking.holds h
                   WHERE h.event_id = g.event_id AND h.ga_section_id = g.section_id
                     AND h.status = 'active' AND h.expires_at <= now()), 0))::int
           FROM booking.ga_sections g WHERE g.event_id = $1
          ORDER BY section_id, category, price_cents, currency`,
};

async function readSnapshot(pool: Pool, eventId: string, known: Layout | undefined): Promise<AvailabilitySnapshot> {
  let layout = known ?? (await readLayout(pool, eventId));
  if (!layout) throw problems.notFound(`event ${eventId}`);
  const { rows } = await pool.query<{
    section_id: string;
    category: string;
    price_cents: number;
    currency: string;
    statuses: string | null;
    capacity: number | null;
    available: number | null;
  }>({ ...statusQuery, values: [eventId] });
  const seated = new Map<string, string>();
  const generalAdmission: GaAvailability[] = [];
  for (const r of rows) {
    const group = { sectionId: r.section_id, category: r.category, priceCents: r.price_cents, currency: r.currency };
    if (r.statuses !== null) seated.set(groupKey(group), r.statuses);
    else generalAdmission.push({ ...group, capacity: r.capacity!, available: r.available! });
  }
  const fits = (l: Layout) => l.groups.length === seated.size && l.groups.every((g) => seated.get(groupKey(g))?.length === g.seatIds.length);
  if (!fits(layout)) {
    // The inventory changed since the layout was read: read both again.
    layout = await readLayout(pool, eventId);
    if (!layout) throw problems.notFound(`event ${eventId}`);
    if (!fits(layout)) return readSnapshot(pool, eventId, layout);
  }
  const statuses = layout.groups.map((g) => seated.get(groupKey(g))!);
  return { eventId, layout, statuses, generalAdmission, version: hash(`${layout.version}\n${statuses.join('\n')}\n${JSON.stringify(generalAdmission)}`) };
}

/** The answer body for one format and (optional) section of a snapshot. */
export function encodeAvailability(snapshot: AvailabilitySnapshot, format: AvailabilityFormat, sectionId?: string): unknown {
  const { eventId, layout, statuses } = snapshot;
  const inSection = (g: { sectionId: string }) => sectionId === undefined || g.sectionId === sectionId;
  const generalAdmission = snapshot.generalAdmission.filter(inSection);
  const groups = layout.groups.map((group, i) => ({ group, status: statuses[i]! })).filter(({ group }) => inSection(group));
  const priced = ({ sectionId, category, priceCents, currency }: SeatGroup) => ({ sectionId, category, priceCents, currency });
  switch (format) {
    case 'layout':
      return { eventId, layout: layout.version, sections: groups.map(({ group }) => ({ ...priced(group), seatIds: group.seatIds })) };
    case 'compact':
      return { eventId, layout: layout.version, sections: groups.map(({ group, status }) => ({ ...priced(group), status })), generalAdmission };
    case 'full': {
      const seats = groups.flatMap(({ group, status }) => group.seatIds.map((seatId, i) => ({ seatId, ...priced(group), status: statusOf[status[i]!]! })));
      // Sections first, then seat ids: the order the seat map always had, whatever the grouping.
      if (groups.some((g, i) => i > 0 && g.group.sectionId === groups[i - 1]!.group.sectionId)) {
        seats.sort((a, b) => (a.sectionId === b.sectionId ? (a.seatId < b.seatId ? -1 : 1) : a.sectionId < b.sectionId ? -1 : 1));
      }
      return { eventId, seats, generalAdmission };
    }
  }
}

/** Every seat with its price and status, and the GA sections: the `full` format. */
export interface Availability {
  eventId: string;
  seats: { seatId: string; sectionId: string; category: string; priceCents: number; currency: string; status: SeatStatus }[];
  generalAdmission: GaAvailability[];
}

/**
 * The availability as it is now, read straight from the database (no cache):
 * for change feeds that diff it. `known` is the layout an earlier read
 * returned: while it still fits, only the statuses are read (one statement).
 */
export async function readAvailability(pool: Pool, eventId: string, known?: Layout): Promise<{ availability: Availability; layout: Layout }> {
  const snapshot = await readSnapshot(pool, eventId, known);
  return { availability: encodeAvailability(snapshot, 'full') as Availability, layout: snapshot.layout };
}

interface Entry {
  /** When the read behind `snapshot` started (its age counts from then). */
  readAt: number;
  /** The read has answered; until then every request shares it, whatever the TTL. */
  settled: boolean;
  snapshot: Promise<AvailabilitySnapshot>;
  answers: Map<string, CacheableAnswer>;
}

export interface AvailabilityCacheOptions {
  /** How long one read serves every request for an event; 0 still shares concurrent reads. */
  ttlMs: number;
  /** Events kept at most (least recently read dropped first). @default 1000 */
  maxEvents?: number;
  now?: () => number;
}

/** Per-process cache of availability snapshots and their encoded answers. */
export function createAvailabilityCache(pool: Pool, options: AvailabilityCacheOptions) {
  const { ttlMs, maxEvents = 1000, now = Date.now } = options;
  const entries = new Map<string, Entry>();
  const layouts = new Map<string, Layout>();
  let databaseReads = 0;

  function entryOf(eventId: string): Entry {
    const cached = entries.get(eventId);
    const at = now();
    if (cached && (!cached.settled || at - cached.readAt < ttlMs)) return cached;
    databaseReads++;
    const snapshot = readSnapshot(pool, eventId, layouts.get(eventId)).then((s) => {
      layouts.delete(eventId);
      layouts.set(eventId, s.layout);
      if (layouts.size > maxEvents) layouts.delete(layouts.keys().next().value!);
      return s;
    });
    const entry: Entry = { readAt: at, settled: false, snapshot, answers: new Map() };
    entries.delete(eventId);
    entries.set(eventId, entry);
    if (entries.size > maxEvents) entries.delete(entries.keys().next().value!);
    // A failed read is not kept: the next request tries again.
    snapshot.then(
      () => (entry.settled = true),
      () => {
        if (entries.get(eventId) === entry) entries.delete(eventId);
      },
    );
    return entry;
  }

  return {
    /** The encoded answer for an event, format and optional section. */
    async answer(eventId: string, format: AvailabilityFormat, sectionId?: string): Promise<CacheableAnswer> {
      const entry = entryOf(eventId);
      const snapshot = await entry.snapshot;
      const key = `${format}|${sectionId ?? ''}`;
      let answer = entry.answers.get(key);
      if (!answer) {
        const version = format === 'layout' ? snapshot.layout.version : snapshot.version;
        answer = {
          body: Buffer.from(JSON.stringify(encodeAvailability(snapshot, format, sectionId))),
          etag: etagOf(`${key}|${version}`),
          // The layout changes rarely; statuses are worth at most one interval.
          cacheControl: format === 'layout' ? 'public, max-age=300' : `public, max-age=${Math.floor(ttlMs / 1000)}`,
        };
        entry.answers.set(key, answer);
      }
      return answer;
    },
    /** Drops every snapshot: the next request reads again (after a write through this process). */
    invalidate(): void {
      entries.clear();
    },
    /** Database reads started so far (each serves every request of its interval). */
    databaseReads: () => databaseReads,
  };
}

export type AvailabilityCache = ReturnType<typeof createAvailabilityCache>;
