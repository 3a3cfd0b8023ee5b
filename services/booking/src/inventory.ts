import { problems, withTransaction, type Pool, type Tx } from '@ticketing/platform';
import { catalogQueries, findCatalogEvent, type CatalogEvent } from './catalog-reader.js';
import { named } from './statements.js';

/**
 * Inventory rows: this module is their only writer (the verbs below), and
 * states the lock order every write follows:
 *   1. inventory (seat_inventory rows ordered by seat_id, or a GA section's
 *      ga_inventory slices ordered by slice),
 *   2. holds, 3. payments / bookings.
 * One order everywhere means two transactions can wait on each other but
 * never in a cycle.
 */

const initialized = new Set<string>();

/** The advisory lock of venue `v` that copies of its seat map share (same key as booking.retire_places, migrations/004). */
const venueCopyLockKey = `hashtextextended('booking.venue-inventory:' || v::text, 0)`;

/**
 * Copies from the catalog (a first buyer's, an import's, a new section's)
 * share a lock on the venue that a seat or section close takes exclusively
 * (booking.retire_places, migrations/004): a copy either runs before the
 * close (whose retirement then sees and removes the copied rows) or after it
 * has committed (and reads the seats as closed), never across it.
 */
export async function shareVenueCopyLock(tx: Tx, venueIds: readonly string[]): Promise<void> {
  await tx.query(
    named('venue-copy-lock', `SELECT pg_advisory_xact_lock_shared(${venueCopyLockKey}) FROM (SELECT DISTINCT unnest($1::uuid[]) AS v ORDER BY 1) venues`),
    [venueIds],
  );
}

/**
 * Takes the venue's copy lock exclusively, before adding seats or sections
 * the catalog has committed to the inventory of the venue's events: copies
 * under way (whose event_inventory rows are not visible yet) finish first, so
 * the events read after this include theirs; copies starting later wait, and
 * then read the new seats themselves. Neither misses them, and the inventory
 * primary keys keep both from adding them twice.
 */
export async function takeVenueCopyLock(tx: Tx, venueId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(${venueCopyLockKey}) FROM (SELECT $1::uuid AS v) venue`, [venueId]);
}

/**
 * Copies an event's seat map and GA capacities (priced by its tiers) from the
 * catalog into inventory, once. Concurrent first buyers wait on the
 * event_inventory primary key; only the first one copies.
 */
export async function ensureInventory(pool: Pool, event: CatalogEvent): Promise<void> {
  if (initialized.has(event.id)) return;
  await withTransaction(pool, async (tx) => {
    const inserted = await tx.query(
      named('ensure-inventory', 'INSERT INTO booking.event_inventory (event_id, venue_id) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING'),
      [event.id, event.venueId],
    );
    if (inserted.rowCount !== 1) return;
    await shareVenueCopyLock(tx, [event.venueId]);
    await tx.query(
      named(
        'ensure-inventory-2',
        `INSERT INTO booking.seat_inventory (event_id, seat_id, section_id, category, price_cents, currency)
       SELECT $1, seat_id, section_id, category, price_cents, currency FROM (${catalogQueries.pricedSeats}) seats`,
      ),
      [event.id, event.venueId],
    );
    await tx.query(named('ensure-inventory-3', insertGaSections(`SELECT $1::uuid AS event_id, * FROM (${catalogQueries.pricedGaSections}) s`)), [
      event.id,
      event.venueId,
    ]);
  });
  initialized.add(event.id);
}

/**
 * The statement that adds GA sections, each in its starting slices
 * (booking.ga_slices, migrations/007), from `source`: rows of event_id,
 * section_id, category, price_cents, currency, capacity. A section that has
 * slices already is left as it is (its capacity may have moved between them).
 */
export const insertGaSections = (source: string) =>
  `INSERT INTO booking.ga_inventory (event_id, section_id, slice, category, price_cents, currency, capacity)
   SELECT sections.event_id, sections.section_id, s.slice, sections.category, sections.price_cents, sections.currency, s.capacity
     FROM (${source}) sections CROSS JOIN LATERAL booking.ga_slices(sections.capacity) s
    WHERE NOT EXISTS (SELECT 1 FROM booking.ga_inventory g WHERE g.event_id = sections.event_id AND g.section_id = sections.section_id)
   ON CONFLICT (event_id, section_id, slice) DO NOTHING`;

/** Loads an event that buyers may hold seats for, with its inventory ready. */
export async function requireOnSaleEvent(pool: Pool, eventId: string): Promise<CatalogEvent> {
  const event = await findCatalogEvent(pool, eventId);
  if (!event) throw problems.notFound(`event ${eventId}`);
  if (event.status !== 'on_sale') {
    throw problems.conflict('event-not-on-sale', 'Event is not on sale', `event ${eventId} is ${event.status}`);
  }
  if (event.startsAt.getTime() <= Date.now()) {
    throw problems.conflict('event-started', 'Event has started', `event ${eventId} started at ${event.startsAt.toISOString()}`);
  }
  await ensureInventory(pool, event);
  return event;
}

export interface SeatRow {
  seat_id: string;
  section_id: string;
  category: string;
  price_cents: number;
  currency: string;
  status: 'available' | 'held' | 'sold';
  hold_id: string | null;
  /** Held, but the hold's time is up: free for the next buyer. */
  lapsed: boolean;
}

const seatColumns = `si.seat_id, si.section_id, si.category, si.price_cents, si.currency, si.status, si.hold_id,
  (si.status = 'held' AND si.held_until <= now()) AS lapsed`;

/** Locks the given seats of an event, in seat order. */
export async function lockSeats(tx: Tx, eventId: string, seatIds: readonly string[]): Promise<SeatRow[]> {
  const { rows } = await tx.query<SeatRow>(
    named(
      'lock-seats',
      `SELECT ${seatColumns} FROM booking.seat_inventory si
      WHERE si.event_id = $1 AND si.seat_id = ANY($2::uuid[])
      ORDER BY si.seat_id FOR UPDATE`,
    ),
    [eventId, seatIds],
  );
  return rows;
}

/** Locks every seat a hold ever claimed (whoever holds it now), in seat order. */
export async function lockSeatsOfHold(tx: Tx, holdId: string): Promise<SeatRow[]> {
  const { rows } = await tx.query<SeatRow>(
    named(
      'lock-seats-of-hold',
      `SELECT ${seatColumns} FROM booking.seat_inventory si
       JOIN booking.hold_seats hs ON hs.event_id = si.event_id AND hs.seat_id = si.seat_id
      WHERE hs.hold_id = $1
      ORDER BY si.seat_id FOR UPDATE OF si`,
    ),
    [holdId],
  );
  return rows;
}

/** Locks the seats of bookings (live or not), in seat order. */
export async function lockSeatsOfBookings(tx: Tx, bookingIds: readonly string[]): Promise<void> {
  await tx.query(
    named(
      'lock-seats-of-bookings',
      `SELECT 1 FROM booking.seat_inventory si JOIN booking.booking_seats bs ON bs.event_id = si.event_id AND bs.seat_id = si.seat_id
      WHERE bs.booking_id = ANY($1::uuid[]) ORDER BY si.seat_id FOR UPDATE OF si`,
    ),
    [bookingIds],
  );
}

/**
 * Locks, in the standard order, every inventory row of one event that the
 * given holds and bookings touch: seats in seat order, then GA rows in
 * section order. Batch writers take these before any hold or booking row.
 */
export async function lockInventoryOf(tx: Tx, eventId: string, holdIds: readonly string[], bookingIds: readonly string[]): Promise<void> {
  await tx.query(
    named(
      'lock-inventory-of',
      `SELECT 1 FROM booking.seat_inventory si
      WHERE si.event_id = $1 AND si.seat_id IN (
        SELECT seat_id FROM booking.hold_seats WHERE hold_id = ANY($2::uuid[])
        UNION SELECT seat_id FROM booking.booking_seats WHERE booking_id = ANY($3::uuid[]))
      ORDER BY si.seat_id FOR UPDATE`,
    ),
    [eventId, holdIds, bookingIds],
  );
  await tx.query(
    named(
      'lock-inventory-of-2',
      `SELECT 1 FROM booking.ga_inventory g
      WHERE g.event_id = $1 AND g.section_id IN (
        SELECT ga_section_id FROM booking.holds WHERE id = ANY($2::uuid[]) AND ga_section_id IS NOT NULL
        UNION SELECT ga_section_id FROM booking.bookings WHERE id = ANY($3::uuid[]) AND ga_section_id IS NOT NULL)
      ORDER BY g.section_id, g.slice FOR UPDATE`,
    ),
    [eventId, holdIds, bookingIds],
  );
}

/**
 * Work left by cancelled catalog events: for one such event, up to `limit`
 * of its confirmed bookings and then active holds. Read without locks; the
 * caller locks in the standard order and re-checks. `skip` lists events
 * another replica is processing.
 */
export async function cancelledEventWork(
  db: Pool | Tx,
  limit: number,
  skip: readonly string[] = [],
): Promise<{ eventId: string; holdIds: string[]; bookingIds: string[] } | undefined> {
  const events = await db.query<{ id: string }>(
    named(
      'cancelled-event-work',
      `SELECT e.id FROM (${catalogQueries.cancelledEvents}) e
      WHERE NOT (e.id = ANY($1::uuid[]))
        AND (EXISTS (SELECT 1 FROM booking.holds h WHERE h.event_id = e.id AND h.status = 'active')
          OR EXISTS (SELECT 1 FROM booking.bookings b WHERE b.event_id = e.id AND b.status = 'confirmed'))
      LIMIT 1`,
    ),
    [skip],
  );
  const eventId = events.rows[0]?.id;
  if (!eventId) return undefined;
  // Bookings first: their refunds are what buyers wait for.
  const bookings = await db.query<{ id: string }>(
    named('cancelled-event-work-2', `SELECT id FROM booking.bookings WHERE event_id = $1 AND status = 'confirmed' ORDER BY id LIMIT $2`),
    [eventId, limit],
  );
  const holds = await db.query<{ id: string }>(
    named('cancelled-event-work-3', `SELECT id FROM booking.holds WHERE event_id = $1 AND status = 'active' ORDER BY id LIMIT $2`),
    [eventId, limit - bookings.rows.length],
  );
  return { eventId, holdIds: holds.rows.map((r) => r.id), bookingIds: bookings.rows.map((r) => r.id) };
}

/** One slice of a GA section: its own share of the places and counters (migrations/007). */
export interface GaSlice {
  slice: number;
  capacity: number;
  held: number;
  sold: number;
}

/** A GA section with every slice of it locked. */
export interface GaSection {
  section_id: string;
  category: string;
  price_cents: number;
  currency: string;
  slices: GaSlice[];
}

/** Places of a locked section that nobody holds or bought. */
export const placesLeft = (section: GaSection) => section.slices.reduce((sum, s) => sum + s.capacity - s.held - s.sold, 0);

/** Locks every slice of a GA section, in slice order; for the work that needs the whole section (counting, re-acquiring, moving places). */
export async function lockGa(tx: Tx, eventId: string, sectionId: string): Promise<GaSection | undefined> {
  const { rows } = await tx.query<Omit<GaSection, 'slices'> & GaSlice>(
    named(
      'lock-ga',
      `SELECT section_id, slice, category, price_cents, currency, capacity, held, sold
       FROM booking.ga_inventory WHERE event_id = $1 AND section_id = $2 ORDER BY slice FOR UPDATE`,
    ),
    [eventId, sectionId],
  );
  const first = rows[0];
  if (!first) return undefined;
  const slices = rows.map(({ slice, capacity, held, sold }) => ({ slice, capacity, held, sold }));
  return { section_id: first.section_id, category: first.category, price_cents: first.price_cents, currency: first.currency, slices };
}

/**
 * The slice of a locked section to take `quantity` places from (at most
 * placesLeft): the one with the most room, which first gets capacity moved to
 * it from the others when it has too little (the section's total stays).
 */
export async function sliceWithRoom(tx: Tx, eventId: string, section: GaSection, quantity: number): Promise<GaSlice> {
  const room = (s: GaSlice) => s.capacity - s.held - s.sold;
  const target = section.slices.reduce((best, s) => (room(s) > room(best) ? s : best));
  const moved: { slice: number; capacity: number }[] = [];
  let needed = quantity - room(target);
  for (const donor of section.slices) {
    if (needed <= 0) break;
    const take = donor === target ? 0 : Math.min(room(donor), needed);
    if (take === 0) continue;
    moved.push({ slice: donor.slice, capacity: -take }, { slice: target.slice, capacity: take });
    needed -= take;
  }
  if (needed > 0) throw new Error(`section ${section.section_id} has fewer than ${quantity} places left`);
  if (moved.length === 0) return target;
  await tx.query(
    named(
      'move-ga-capacity',
      `UPDATE booking.ga_inventory g SET capacity = g.capacity + m.capacity
         FROM (SELECT slice, sum(capacity)::int AS capacity FROM unnest($3::smallint[], $4::int[]) AS m (slice, capacity) GROUP BY slice) m
        WHERE g.event_id = $1 AND g.section_id = $2 AND g.slice = m.slice`,
    ),
    [eventId, section.section_id, moved.map((m) => m.slice), moved.map((m) => m.capacity)],
  );
  for (const m of moved) section.slices.find((s) => s.slice === m.slice)!.capacity += m.capacity;
  return target;
}

/** The general-admission places of a hold or booking row as the API and its messages show them; null for seats. */
export function generalAdmissionOf(row: { ga_section_id: string | null; ga_quantity: number | null }): { sectionId: string; quantity: number } | null {
  return row.ga_section_id ? { sectionId: row.ga_section_id, quantity: row.ga_quantity! } : null;
}

/** Seat is free for a new claim: available, or held by a hold whose time is up. */
export const seatIsFree = (seat: SeatRow) => seat.status === 'available' || seat.lapsed;

/** Frees the seats a hold still holds (only rows the caller has locked). */
export async function releaseSeatsOfHold(tx: Tx, holdId: string): Promise<void> {
  await tx.query(
    named(
      'release-seats-of-hold',
      `UPDATE booking.seat_inventory SET status = 'available', hold_id = NULL, held_until = NULL
      WHERE hold_id = $1 AND status = 'held'`,
    ),
    [holdId],
  );
}

/** Puts a cancelled booking's seats back on sale. */
export async function returnSoldSeats(tx: Tx, bookingId: string): Promise<void> {
  await tx.query(
    named('return-sold-seats', `UPDATE booking.seat_inventory SET status = 'available', booking_id = NULL WHERE booking_id = $1 AND status = 'sold'`),
    [bookingId],
  );
}

/**
 * Frees seats still marked with holds that have ended (a buyer's claim
 * expired them without touching their other seats); skips rows in use.
 */
export async function releaseOrphanedSeats(tx: Tx): Promise<number> {
  const { rowCount } = await tx.query(
    named(
      'release-orphaned-seats',
      `UPDATE booking.seat_inventory s SET status = 'available', hold_id = NULL, held_until = NULL
       FROM (SELECT si.event_id, si.seat_id FROM booking.seat_inventory si
               JOIN booking.holds h ON h.id = si.hold_id
              WHERE si.status = 'held' AND h.status <> 'active'
              LIMIT 1000 FOR UPDATE OF si SKIP LOCKED) o
      WHERE s.event_id = o.event_id AND s.seat_id = o.seat_id`,
    ),
  );
  return rowCount ?? 0;
}

/** Counts `quantity` more places of a locked slice as held. */
export async function holdGaPlaces(tx: Tx, eventId: string, sectionId: string, slice: GaSlice, quantity: number): Promise<void> {
  await tx.query(named('hold-ga-places', 'UPDATE booking.ga_inventory SET held = held + $4 WHERE event_id = $1 AND section_id = $2 AND slice = $3'), [
    eventId,
    sectionId,
    slice.slice,
    quantity,
  ]);
  slice.held += quantity;
}

/** Gives back the GA places of ending holds, each to its own slice (locked by the caller). */
export async function releaseGaPlaces(tx: Tx, holdIds: readonly string[]): Promise<void> {
  await tx.query(
    named(
      'release-ga-places',
      `UPDATE booking.ga_inventory g SET held = g.held - h.places
         FROM (SELECT event_id, ga_section_id, ga_slice, sum(ga_quantity)::int AS places FROM booking.holds
                WHERE id = ANY($1::uuid[]) AND ga_section_id IS NOT NULL GROUP BY 1, 2, 3) h
        WHERE g.event_id = h.event_id AND g.section_id = h.ga_section_id AND g.slice = h.ga_slice`,
    ),
    [holdIds],
  );
}

/** Puts a cancelled booking's GA places back on sale, in the slice they were sold from. */
export async function returnSoldGaPlaces(
  tx: Tx,
  booking: { event_id: string; ga_section_id: string | null; ga_slice: number | null; ga_quantity: number | null },
): Promise<void> {
  await tx.query(named('return-sold-ga-places', 'UPDATE booking.ga_inventory SET sold = sold - $4 WHERE event_id = $1 AND section_id = $2 AND slice = $3'), [
    booking.event_id,
    booking.ga_section_id,
    booking.ga_slice,
    booking.ga_quantity,
  ]);
}
