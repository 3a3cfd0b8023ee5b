import { problems, type Pool, type Tx } from '@ticketing/platform';
import {
  generalAdmissionOf,
  holdGaPlaces,
  lockGa,
  lockSeats,
  lockSeatsOfHold,
  placesLeft,
  releaseGaPlaces,
  releaseSeatsOfHold,
  seatIsFree,
  sliceWithRoom,
  type GaSection,
  type SeatRow,
} from './inventory.js';
import { isoTimestamp, outboxInsertFrom, type BookingMessageData, type Outbox } from './messages.js';
import { named } from './statements.js';

export interface HoldSettings {
  ttlSeconds: number;
  checkoutExtensionSeconds: number;
  maxLifetimeSeconds: number;
  maxPlaces: number;
}

export interface HoldRow {
  id: string;
  event_id: string;
  buyer_id: string;
  status: 'active' | 'converted' | 'expired' | 'released';
  end_reason: string | null;
  created_at: Date;
  expires_at: Date;
  extended_at: Date | null;
  amount_cents: number;
  currency: string;
  ga_section_id: string | null;
  /** The slice of its section a GA hold's places are counted in (migrations/007). */
  ga_slice: number | null;
  ga_quantity: number | null;
  /** Active, but its time is up. */
  lapsed: boolean;
}

/** What hold changes need: the rules, and the outbox their messages go to. */
export interface HoldDeps {
  settings: HoldSettings;
  outbox: Outbox;
}

export type HoldRequest = { eventId: string; seatIds: string[] } | { eventId: string; generalAdmission: { sectionId: string; quantity: number } };

const holdColumns = `id, event_id, buyer_id, status, end_reason, created_at, expires_at, extended_at,
  amount_cents, currency, ga_section_id, ga_slice, ga_quantity, (status = 'active' AND expires_at <= now()) AS lapsed`;

/** Where a hold's places are: what lockHold() must know before it locks them; never changes. */
export interface HoldPlaces {
  event_id: string;
  ga_section_id: string | null;
}

/** A hold with its inventory rows, all locked in the standard order. */
export interface LockedHold {
  hold: HoldRow;
  seats: SeatRow[];
  /** Undefined for a seated hold, and for a GA hold locked without its section (`gaSection: false`). */
  ga: GaSection | undefined;
}

/**
 * Locks a hold and its inventory rows in the standard order (inventory
 * first). `gaSection: false` leaves a GA hold's section row alone, for work
 * that changes no places: every hold, checkout and sale of a section queues
 * on that one row, so a transaction that does not need it must not hold it.
 */
export async function lockHold(tx: Tx, holdId: string, options: { gaSection?: boolean; known?: HoldPlaces } = {}): Promise<LockedHold | undefined> {
  const lockHoldRow = async () =>
    (await tx.query<HoldRow>(named('lock-hold-2', `SELECT ${holdColumns} FROM booking.holds WHERE id = $1 FOR UPDATE`), [holdId])).rows[0];
  // Without the section's row, nothing needs to be known first: a GA hold has no seats to lock.
  if (options.gaSection === false && !options.known) {
    const seats = await lockSeatsOfHold(tx, holdId);
    const hold = await lockHoldRow();
    return hold && { hold, seats, ga: undefined };
  }
  const first =
    options.known ?? (await tx.query<HoldPlaces>(named('lock-hold', 'SELECT event_id, ga_section_id FROM booking.holds WHERE id = $1'), [holdId])).rows[0];
  if (!first) return undefined;
  const ga = first.ga_section_id && options.gaSection !== false ? await lockGa(tx, first.event_id, first.ga_section_id) : undefined;
  const seats = first.ga_section_id ? [] : await lockSeatsOfHold(tx, holdId);
  const hold = await lockHoldRow();
  return hold && { hold, seats, ga };
}

async function seatIdsOfHold(db: Pool | Tx, holdId: string): Promise<string[]> {
  const { rows } = await db.query<{ seat_id: string }>(
    named('seat-ids-of-hold', 'SELECT seat_id FROM booking.hold_seats WHERE hold_id = $1 ORDER BY seat_id'),
    [holdId],
  );
  return rows.map((r) => r.seat_id);
}

/** The message payload describing a hold; shared by every hold.* message. */
export function holdData(hold: HoldRow, seatIds: readonly string[], extra: { reason?: string } = {}): BookingMessageData<'hold.created'> {
  return {
    holdId: hold.id,
    buyerId: hold.buyer_id,
    seatIds: [...seatIds],
    generalAdmission: generalAdmissionOf(hold),
    amount: { cents: hold.amount_cents, currency: hold.currency },
    expiresAt: hold.expires_at.toISOString(),
    ...extra,
  };
}

/**
 * Ends an active hold (expired or released) and gives its inventory back.
 * The caller holds the locks from lockHold(); GA places are returned here,
 * seats still marked with this hold are freed.
 */
export async function endHold(tx: Tx, outbox: Outbox, locked: LockedHold, status: 'expired' | 'released', reason: string): Promise<void> {
  const { hold } = locked;
  if (hold.status !== 'active') return;
  await tx.query(named('end-hold', `UPDATE booking.holds SET status = $2, end_reason = $3, ended_at = now() WHERE id = $1`), [hold.id, status, reason]);
  if (hold.ga_section_id) {
    await releaseGaPlaces(tx, [hold.id]);
  } else {
    await releaseSeatsOfHold(tx, hold.id);
  }
  await outbox.enqueue(
    tx,
    status === 'expired' ? 'hold.expired' : 'hold.released',
    hold.event_id,
    holdData(
      hold,
      locked.seats.map((seat) => seat.seat_id),
      { reason },
    ),
  );
  hold.status = status;
  hold.end_reason = reason;
}

/**
 * Marks lapsed holds expired on behalf of a buyer who is taking their
 * inventory. Their seats are not touched here (the caller re-assigns the ones
 * it locked; the sweeper frees the rest), so no lock beyond the hold rows is
 * needed and the lock order holds.
 */
async function expireLapsedHolds(tx: Tx, outbox: Outbox, holdIds: string[]): Promise<HoldRow[]> {
  if (holdIds.length === 0) return [];
  const { rows } = await tx.query<HoldRow>(
    named(
      'expire-lapsed-holds',
      `UPDATE booking.holds SET status = 'expired', end_reason = 'lapsed', ended_at = now()
      WHERE id IN (SELECT id FROM booking.holds WHERE id = ANY($1::uuid[]) AND status = 'active' AND expires_at <= now() ORDER BY id FOR UPDATE)
      RETURNING ${holdColumns}`,
    ),
    [holdIds],
  );
  for (const hold of rows) {
    const seatIds = hold.ga_section_id ? [] : await seatIdsOfHold(tx, hold.id);
    await outbox.enqueue(tx, 'hold.expired', hold.event_id, holdData(hold, seatIds, { reason: 'lapsed' }));
  }
  return rows;
}

/**
 * Takes GA places of a locked section, first reclaiming places of lapsed
 * holds when short. Returns the slice they are counted in, or how many places
 * were left when there are not enough (none taken).
 */
async function claimGaPlaces(tx: Tx, outbox: Outbox, eventId: string, section: GaSection, quantity: number): Promise<{ slice: number } | number> {
  if (placesLeft(section) < quantity) {
    const lapsed = await tx.query<{ id: string }>(
      named('claim-ga-places', `SELECT id FROM booking.holds WHERE event_id = $1 AND ga_section_id = $2 AND status = 'active' AND expires_at <= now()`),
      [eventId, section.section_id],
    );
    const expired = await expireLapsedHolds(
      tx,
      outbox,
      lapsed.rows.map((r) => r.id),
    );
    if (expired.length > 0) {
      await releaseGaPlaces(
        tx,
        expired.map((h) => h.id),
      );
      section = (await lockGa(tx, eventId, section.section_id))!;
    }
  }
  const left = placesLeft(section);
  if (left < quantity) return left;
  const slice = await sliceWithRoom(tx, eventId, section, quantity);
  await holdGaPlaces(tx, eventId, section.section_id, slice, quantity);
  return { slice: slice.slice };
}

/**
 * Claims GA places and writes the hold and its message, in one statement:
 * from a slice of the section with room, picked at random so concurrent
 * buyers spread over the slices, among those no other transaction has locked
 * (SKIP LOCKED); only when every slice with room is locked does it wait for
 * one (`waited` is read only when `unlocked` found none). No row when no
 * slice alone has room, the one waited for has none left, or the section is
 * unknown.
 *
 * Which slices have room is read once, from the statement's snapshot, and
 * the locks name slices by number: a condition on a row's counters would be
 * checked again on the row's newest version and, failing, leave that row
 * locked while the statement went on to lock or wait for another (how GA
 * holds deadlocked). So the statement locks at most one slice, and waits
 * only while it holds none. The slice it waits for is picked by the hold's
 * id, not by random(): PostgreSQL may evaluate that choice again after the
 * wait, and must pick the same slice.
 */
const claimGaHold = named(
  'claim-ga-hold',
  `WITH unlocked AS (
     SELECT slice FROM booking.ga_inventory
      WHERE event_id = $2 AND section_id = $5
        AND slice = ANY (ARRAY(SELECT slice FROM booking.ga_inventory WHERE event_id = $2 AND section_id = $5 AND capacity - held - sold >= $6))
      ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED
   ), waited AS (
     SELECT slice FROM booking.ga_inventory
      WHERE event_id = $2 AND section_id = $5 AND NOT EXISTS (SELECT FROM unlocked)
        AND slice = (SELECT slice FROM booking.ga_inventory WHERE event_id = $2 AND section_id = $5 AND capacity - held - sold >= $6 ORDER BY md5(slice || $1::uuid::text) LIMIT 1)
      FOR UPDATE
   ), slice AS (
     SELECT slice FROM unlocked UNION ALL SELECT slice FROM waited LIMIT 1
   ), claim AS (
     UPDATE booking.ga_inventory g SET held = g.held + $6
       FROM slice WHERE g.event_id = $2 AND g.section_id = $5 AND g.slice = slice.slice AND g.capacity - g.held - g.sold >= $6
     RETURNING g.slice, g.price_cents, g.currency
   ), hold AS (
     INSERT INTO booking.holds (id, event_id, buyer_id, status, expires_at, amount_cents, currency, ga_section_id, ga_slice, ga_quantity)
     SELECT $1, $2, $3, 'active', now() + make_interval(secs => $4), claim.price_cents * $6, claim.currency, $5, claim.slice, $6 FROM claim
     RETURNING ${holdColumns}
   ), message AS (
     ${outboxInsertFrom(7, 'hold', { expiresAt: isoTimestamp('hold.expires_at'), 'amount,cents': 'hold.amount_cents', 'amount,currency': 'hold.currency' })}
   )
   SELECT * FROM hold`,
);

/**
 * Creates a hold: claims the seats (or GA places) under row locks in one
 * transaction. Fails with 409 naming the seats someone else has.
 */
export async function createHold(tx: Tx, { settings, outbox }: HoldDeps, buyerId: string, request: HoldRequest): Promise<HoldView> {
  const { eventId } = request;
  const holdId = crypto.randomUUID();
  type Places = { sectionId: string; slice: number; quantity: number } | null;
  const holdValues = (amount: number, currency: string, ga: Places) =>
    [holdId, eventId, buyerId, settings.ttlSeconds, amount, currency, ga?.sectionId ?? null, ga?.slice ?? null, ga?.quantity ?? null] as const;
  /** Inserts the hold row; its expiry comes from the database clock, as every lapse check does. */
  const insertHold = async (amount: number, currency: string, ga: Places) => {
    const { rows } = await tx.query<HoldRow>(
      named(
        'insert-hold',
        `INSERT INTO booking.holds (id, event_id, buyer_id, status, expires_at, amount_cents, currency, ga_section_id, ga_slice, ga_quantity)
       VALUES ($1, $2, $3, 'active', now() + make_interval(secs => $4), $5, $6, $7, $8, $9)
       RETURNING ${holdColumns}`,
      ),
      [...holdValues(amount, currency, ga)],
    );
    return rows[0]!;
  };

  let hold: HoldRow;
  let seatIds: string[] = [];
  if ('seatIds' in request) {
    seatIds = [...new Set(request.seatIds)];
    if (seatIds.length !== request.seatIds.length) throw problems.badRequest('seatIds contains the same seat twice');
    if (seatIds.length > settings.maxPlaces) throw problems.badRequest(`a hold may take at most ${settings.maxPlaces} seats`);
    const seats = await lockSeats(tx, eventId, seatIds);
    if (seats.length !== seatIds.length) {
      const known = new Set(seats.map((s) => s.seat_id));
      const unknown = seatIds.filter((id) => !known.has(id));
      throw problems.unprocessable('unknown-seats', 'Unknown seats', `these seats are not part of event ${eventId}: ${unknown.join(', ')}`, {
        unknownSeatIds: unknown,
      });
    }
    const taken = seats.filter((s) => !seatIsFree(s)).map((s) => s.seat_id);
    if (taken.length > 0) {
      throw problems.conflict('seats-unavailable', 'Seats not available', `${taken.length} of the requested seats are held or sold`, {
        unavailableSeatIds: taken,
      });
    }
    if (new Set(seats.map((s) => s.currency)).size > 1) {
      throw problems.unprocessable('mixed-currencies', 'Mixed currencies', 'the selected seats are priced in different currencies');
    }
    await expireLapsedHolds(tx, outbox, [...new Set(seats.filter((s) => s.lapsed && s.hold_id).map((s) => s.hold_id!))]);
    const amount = { cents: seats.reduce((sum, s) => sum + s.price_cents, 0), currency: seats[0]!.currency };
    const created = outbox.compose('hold.created', eventId, { holdId, buyerId, seatIds, generalAdmission: null, amount, expiresAt: '' });
    // The hold, its seats marked held until its expiry (copied in SQL: a JS Date would drop the
    // microseconds and the seats would lapse a moment before their hold), its lines and its
    // hold.created message with that expiry: one round trip.
    const { rows } = await tx.query<HoldRow>(
      named(
        'insert-seat-hold',
        `WITH hold AS (
           INSERT INTO booking.holds (id, event_id, buyer_id, status, expires_at, amount_cents, currency, ga_section_id, ga_slice, ga_quantity)
           VALUES ($1, $2, $3, 'active', now() + make_interval(secs => $4), $5, $6, $7, $8, $9)
           RETURNING ${holdColumns}
         ), held AS (
           UPDATE booking.seat_inventory si SET status = 'held', hold_id = hold.id, booking_id = NULL, held_until = hold.expires_at
             FROM hold WHERE si.event_id = $2 AND si.seat_id = ANY($10::uuid[])
         ), lines AS (
           INSERT INTO booking.hold_seats (hold_id, event_id, seat_id, price_cents)
           SELECT $1, $2, seat.id, seat.price FROM unnest($10::uuid[], $11::int[]) AS seat (id, price)
         ), message AS (
           ${outboxInsertFrom(12, 'hold', { expiresAt: isoTimestamp('hold.expires_at') })}
         )
         SELECT * FROM hold`,
      ),
      [...holdValues(amount.cents, amount.currency, null), seats.map((s) => s.seat_id), seats.map((s) => s.price_cents), ...created.values],
    );
    hold = rows[0]!;
  } else {
    const { sectionId, quantity } = request.generalAdmission;
    if (quantity > settings.maxPlaces) throw problems.badRequest(`a hold may take at most ${settings.maxPlaces} places`);
    // Claim the places and write the hold and its message in one statement, so the slice stays locked
    // only until COMMIT. When it answers nothing (unknown section, or no slice alone has room) the
    // careful path below locks the whole section and says which, reclaiming lapsed holds' places and
    // moving capacity between slices. It first rolls back to the savepoint, letting go of the slice the
    // claim may have locked: every wait on a section's slices then happens holding none of them, or in
    // slice order, so GA holds cannot deadlock one another.
    const created = outbox.compose('hold.created', eventId, {
      holdId,
      buyerId,
      seatIds: [],
      generalAdmission: { sectionId, quantity },
      amount: { cents: 0, currency: '' },
      expiresAt: '',
    });
    await tx.query('SAVEPOINT ga_claim');
    const quick = (await tx.query<HoldRow>(claimGaHold, [holdId, eventId, buyerId, settings.ttlSeconds, sectionId, quantity, ...created.values])).rows[0];
    if (quick) hold = quick;
    else {
      await tx.query('ROLLBACK TO SAVEPOINT ga_claim');
      const section = await lockGa(tx, eventId, sectionId);
      if (!section) {
        throw problems.unprocessable('unknown-section', 'Unknown section', `event ${eventId} has no general-admission section ${sectionId}`);
      }
      const claimed = await claimGaPlaces(tx, outbox, eventId, section, quantity);
      if (typeof claimed === 'number') {
        throw problems.conflict('not-enough-places', 'Not enough places', `only ${claimed} places are left in this section`, {
          availablePlaces: claimed,
        });
      }
      hold = await insertHold(section.price_cents * quantity, section.currency, { sectionId, slice: claimed.slice, quantity });
      await outbox.enqueue(tx, 'hold.created', eventId, holdData(hold, seatIds));
    }
  }
  return viewHold(hold, { seatIds, bookingReference: null, payment: null });
}

export interface HoldView {
  id: string;
  eventId: string;
  status: HoldRow['status'];
  endReason: string | null;
  expiresAt: string;
  extended: boolean;
  seatIds: string[];
  generalAdmission: { sectionId: string; quantity: number } | null;
  amount: { cents: number; currency: string };
  bookingReference: string | null;
  payment: { id: string; status: string } | null;
}

/** The buyer's view of a hold, from what the caller already knows. */
export function viewHold(hold: HoldRow, known: Pick<HoldView, 'seatIds' | 'bookingReference' | 'payment'>): HoldView {
  return {
    id: hold.id,
    eventId: hold.event_id,
    // A lapsed hold is expired to the buyer even before the sweeper records it.
    status: hold.lapsed ? 'expired' : hold.status,
    endReason: hold.lapsed ? 'lapsed' : hold.end_reason,
    expiresAt: hold.expires_at.toISOString(),
    extended: hold.extended_at !== null,
    seatIds: known.seatIds,
    generalAdmission: generalAdmissionOf(hold),
    amount: { cents: hold.amount_cents, currency: hold.currency },
    bookingReference: known.bookingReference,
    payment: known.payment,
  };
}

/** The buyer's view of a hold, loading its seats, booking and latest payment. */
export async function loadHoldView(db: Pool | Tx, hold: HoldRow): Promise<HoldView> {
  const { rows } = await db.query<{ reference: string | null; payment: { id: string; status: string } | null }>(
    named(
      'load-hold-view',
      `SELECT (SELECT reference FROM booking.bookings WHERE hold_id = $1) AS reference,
            (SELECT json_build_object('id', id, 'status', status) FROM booking.payments
              WHERE hold_id = $1 ORDER BY created_at DESC LIMIT 1) AS payment`,
    ),
    [hold.id],
  );
  return viewHold(hold, {
    seatIds: hold.ga_section_id ? [] : await seatIdsOfHold(db, hold.id),
    bookingReference: rows[0]?.reference ?? null,
    payment: rows[0]?.payment ?? null,
  });
}

/** A buyer's view of one of their holds; 404 for anyone else's. */
export async function viewHoldOf(db: Pool | Tx, holdId: string, buyerId: string): Promise<HoldView> {
  const { rows } = await db.query<HoldRow>(named('view-hold-of', `SELECT ${holdColumns} FROM booking.holds WHERE id = $1`), [holdId]);
  const hold = rows[0];
  if (!hold || hold.buyer_id !== buyerId) throw problems.notFound(`hold ${holdId}`);
  return loadHoldView(db, hold);
}

/** Sweeper step: expires one lapsed hold and frees its inventory; true if it did. */
export async function expireIfLapsed(tx: Tx, outbox: Outbox, holdId: string): Promise<boolean> {
  const locked = await lockHold(tx, holdId);
  if (!locked || !locked.hold.lapsed) return false;
  await endHold(tx, outbox, locked, 'expired', 'lapsed');
  return true;
}
