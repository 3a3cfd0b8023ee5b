import type { Pool, Tx } from '@ticketing/platform';
import { cursorAtColumn, pageOf, type Position } from '../keyset-page.js';
import type { ExpandedSeatMap, SectionGeometry, VenueInput } from './input.js';

export interface Section {
  id: string;
  name: string;
  kind: 'seated' | 'general_admission';
  category: string;
  capacity: number;
}
export interface Venue {
  id: string;
  name: string;
  city: string;
  address: string;
  timezone: string;
  capacity: number;
  sections: Section[];
  createdAt: string;
}
export interface Seat {
  id: string;
  sectionId: string;
  row: string;
  number: number;
  x: number;
  y: number;
  category: string;
}

export interface VenueRow {
  id: string;
  owner_id: string;
  name: string;
  city: string;
  address: string;
  timezone: string;
  created_at: Date;
}

const venueColumns = 'id, owner_id, name, city, address, timezone, created_at';

export async function findVenueRow(db: Pool | Tx, venueId: string): Promise<VenueRow | undefined> {
  const { rows } = await db.query<VenueRow>(`SELECT ${venueColumns} FROM catalog.venues WHERE id = $1`, [venueId]);
  return rows[0];
}

/** Rows carrying their venue's id, grouped per venue of `venueIds` (in the rows' order; a venue without rows gets none). */
function perVenue<Row extends { venue_id: string }>(venueIds: readonly string[], rows: Row[]): Map<string, Omit<Row, 'venue_id'>[]> {
  const grouped = new Map<string, Omit<Row, 'venue_id'>[]>(venueIds.map((id) => [id, []]));
  for (const { venue_id, ...rest } of rows) grouped.get(venue_id)?.push(rest);
  return grouped;
}

/** The open sections of each venue, in the organizer's order; a seated one's capacity counts its open seats. */
export async function loadSectionsOf(db: Pool | Tx, venueIds: readonly string[]): Promise<Map<string, Section[]>> {
  const { rows } = await db.query<Section & { venue_id: string }>(
    `SELECT venue_id, id, name, kind, category,
            CASE WHEN kind = 'seated' THEN (SELECT count(*)::int FROM catalog.seats s WHERE s.section_id = sec.id AND s.closed_at IS NULL) ELSE capacity END AS capacity
       FROM catalog.sections sec WHERE venue_id = ANY($1::uuid[]) AND closed_at IS NULL ORDER BY position, name`,
    [venueIds],
  );
  return perVenue(venueIds, rows);
}

export async function loadSections(db: Pool | Tx, venueId: string): Promise<Section[]> {
  return (await loadSectionsOf(db, [venueId])).get(venueId)!;
}

function toVenue(row: VenueRow, sections: Section[]): Venue {
  return {
    id: row.id,
    name: row.name,
    city: row.city,
    address: row.address,
    timezone: row.timezone,
    capacity: sections.reduce((sum, s) => sum + s.capacity, 0),
    sections,
    createdAt: row.created_at.toISOString(),
  };
}

export async function loadVenue(db: Pool | Tx, venueId: string): Promise<Venue | undefined> {
  const row = await findVenueRow(db, venueId);
  return row && toVenue(row, await loadSections(db, venueId));
}

/** A section its organizer closed (it may be reopened); its seats are those closed with it. */
export interface ClosedSection {
  id: string;
  name: string;
  kind: Section['kind'];
  category: string;
  /** Seats for a seated section, the capacity of a standing area: what reopening brings back. */
  places: number;
  closedAt: string;
}

export type PartnerVenue = Venue & { categories: string[]; closedSections: ClosedSection[] };

/** Venues with the price categories they use and their closed sections, as their owner's pages show them: four statements however many. */
export async function loadPartnerVenues(db: Pool | Tx, rows: VenueRow[]): Promise<PartnerVenue[]> {
  const ids = rows.map((row) => row.id);
  const sections = await loadSectionsOf(db, ids);
  const categories = await categoriesOfVenues(db, ids);
  const closed = perVenue(ids, await closedSectionRows(db, ids));
  return rows.map((row) => ({
    ...toVenue(row, sections.get(row.id)!),
    categories: [...categories.get(row.id)!].sort(),
    closedSections: closed.get(row.id)!.map(({ seatIds: _, ...section }) => section),
  }));
}

/** Closed sections of the venues (only `sectionIds` when given), in the organizer's order, each with the seats closed with it. */
async function closedSectionRows(db: Pool | Tx, venueIds: readonly string[], sectionIds?: readonly string[]) {
  const { rows } = await db.query<{
    venue_id: string;
    id: string;
    name: string;
    kind: Section['kind'];
    category: string;
    capacity: number;
    closed_at: Date;
    seat_ids: string[];
  }>(
    `SELECT sec.venue_id, sec.id, sec.name, sec.kind, sec.category, sec.capacity, sec.closed_at,
            coalesce((SELECT array_agg(s.id ORDER BY s.id) FROM catalog.seats s WHERE s.section_id = sec.id AND s.closed_at = sec.closed_at), '{}') AS seat_ids
       FROM catalog.sections sec
      WHERE sec.venue_id = ANY($1::uuid[]) AND sec.closed_at IS NOT NULL AND ($2::uuid[] IS NULL OR sec.id = ANY($2::uuid[]))
      ORDER BY sec.position, sec.name`,
    [venueIds, sectionIds ?? null],
  );
  return rows.map((r) => ({
    venue_id: r.venue_id,
    id: r.id,
    name: r.name,
    kind: r.kind,
    category: r.category,
    places: r.kind === 'seated' ? r.seat_ids.length : r.capacity,
    closedAt: r.closed_at.toISOString(),
    seatIds: r.seat_ids,
  }));
}

/**
 * The venue's closed sections (only `sectionIds` when given), each with the
 * seats closed with it: closing a section closes its open seats in the same
 * transaction, so they carry the section's own close time; seats closed one
 * by one before stay closed when it reopens.
 */
export async function closedSectionsOf(db: Pool | Tx, venueId: string, sectionIds?: readonly string[]): Promise<(ClosedSection & { seatIds: string[] })[]> {
  return (await closedSectionRows(db, [venueId], sectionIds)).map(({ venue_id: _, ...section }) => section);
}

/** Opens closed sections again with the seats closed with them. */
export async function reopenSections(tx: Tx, sections: readonly { id: string; seatIds: readonly string[] }[]): Promise<void> {
  await tx.query('UPDATE catalog.seats SET closed_at = NULL WHERE id = ANY($1::uuid[])', [sections.flatMap((section) => section.seatIds)]);
  await tx.query('UPDATE catalog.sections SET closed_at = NULL WHERE id = ANY($1::uuid[])', [sections.map((section) => section.id)]);
}

/** One page of the venues `ownerId` owns, newest first (then by id, descending), as their owner's pages show them. */
export async function listVenuesOf(db: Pool | Tx, ownerId: string, page: { after?: Position; limit: number }) {
  const { rows } = await db.query<VenueRow & { cursor_at: string }>(
    `SELECT ${venueColumns}, ${cursorAtColumn('created_at')} FROM catalog.venues
      WHERE owner_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
      ORDER BY created_at DESC, id DESC LIMIT $4`,
    [ownerId, page.after?.at ?? null, page.after?.id ?? null, page.limit + 1],
  );
  const { items, nextCursor } = pageOf(rows, page.limit, (row) => row);
  return { items: await loadPartnerVenues(db, items), nextCursor };
}

interface SeatRecord {
  id: string;
  section_id: string;
  row_label: string;
  number: number;
  x: string;
  y: string;
  category: string;
}
const seatColumns = 's.id, s.section_id, s.row_label, s.number, s.x, s.y, s.category';
const toSeat = (r: SeatRecord): Seat => ({
  id: r.id,
  sectionId: r.section_id,
  row: r.row_label,
  number: r.number,
  x: Number(r.x),
  y: Number(r.y),
  category: r.category,
});

/** Seats of a venue (or one of its sections), in seat-map order. */
export async function loadSeats(db: Pool | Tx, venueId: string, sectionId?: string): Promise<Seat[]> {
  const { rows } = await db.query<SeatRecord>(
    `SELECT ${seatColumns}
       FROM catalog.seats s JOIN catalog.sections sec ON sec.id = s.section_id
      WHERE s.venue_id = $1 AND ($2::uuid IS NULL OR s.section_id = $2) AND s.closed_at IS NULL
      ORDER BY sec.position, sec.name, s.y, s.x, s.row_label, s.number`,
    [venueId, sectionId ?? null],
  );
  return rows.map(toSeat);
}

export async function insertVenue(tx: Tx, ownerId: string, input: VenueInput, map: ExpandedSeatMap): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO catalog.venues (owner_id, name, city, address, timezone) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [ownerId, input.name, input.city, input.address ?? '', input.timezone ?? 'UTC'],
  );
  const venueId = rows[0]!.id;
  await insertSeatMap(tx, venueId, map);
  return venueId;
}

/** Inserts sections and their seats into a venue (a new one, or sections added after publishing). */
export async function insertSeatMap(tx: Tx, venueId: string, map: ExpandedSeatMap): Promise<void> {
  const s = map.sections;
  await tx.query(
    `INSERT INTO catalog.sections (id, venue_id, name, kind, category, capacity, position)
     SELECT u.id, $1, u.name, u.kind, u.category, u.capacity, u.position
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[]) AS u(id, name, kind, category, capacity, position)`,
    [venueId, s.map((x) => x.id), s.map((x) => x.name), s.map((x) => x.kind), s.map((x) => x.category), s.map((x) => x.capacity), s.map((x) => x.position)],
  );
  await insertSeats(tx, venueId, map.seats);
}

/**
 * Inserts seats into a venue's sections in one statement (20,000 rows in a
 * few hundred ms). With `reopenClosed`, a closed seat at the same section,
 * row and number opens again in its new place and category instead (same id:
 * it stays the seat that bookings named); open ones there are the caller's
 * to refuse first.
 */
export async function insertSeats(tx: Tx, venueId: string, seats: readonly Omit<Seat, 'id'>[], { reopenClosed = false } = {}): Promise<void> {
  if (seats.length === 0) return;
  const reopen = `ON CONFLICT (section_id, row_label, number) DO UPDATE SET closed_at = NULL, x = excluded.x, y = excluded.y, category = excluded.category
                    WHERE seats.closed_at IS NOT NULL`;
  await tx.query(
    `INSERT INTO catalog.seats AS seats (venue_id, section_id, row_label, number, x, y, category)
     SELECT $1, u.section_id, u.row_label, u.number, u.x, u.y, u.category
       FROM unnest($2::uuid[], $3::text[], $4::int[], $5::numeric[], $6::numeric[], $7::text[]) AS u(section_id, row_label, number, x, y, category)
     ${reopenClosed ? reopen : ''}`,
    [
      venueId,
      seats.map((x) => x.sectionId),
      seats.map((x) => x.row),
      seats.map((x) => x.number),
      seats.map((x) => x.x),
      seats.map((x) => x.y),
      seats.map((x) => x.category),
    ],
  );
}

/** Where sections added to a venue go: after its last section, below its lowest seat; and how many seats it has. */
export async function seatMapExtent(tx: Tx, venueId: string): Promise<{ nextPosition: number; nextY: number; seats: number; names: Set<string> }> {
  const { rows } = await tx.query<{ position: number; y: string; seats: string; names: string[] }>(
    `SELECT (SELECT coalesce(max(position) + 1, 0) FROM catalog.sections WHERE venue_id = $1) AS position,
            (SELECT coalesce(max(y) + 2, 0) FROM catalog.seats WHERE venue_id = $1) AS y,
            (SELECT count(*) FROM catalog.seats WHERE venue_id = $1 AND closed_at IS NULL) AS seats,
            (SELECT coalesce(array_agg(name), '{}') FROM catalog.sections WHERE venue_id = $1) AS names`,
    [venueId],
  );
  const r = rows[0]!;
  return { nextPosition: r.position, nextY: Number(r.y), seats: Number(r.seats), names: new Set(r.names) };
}

/**
 * Closes open seats of a venue (they stay in the table: bookings refer to
 * them; a seated section's capacity counts open seats). Returns the seats
 * that were open.
 */
export async function closeSeats(tx: Tx, venueId: string, seatIds: readonly string[]): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    `UPDATE catalog.seats SET closed_at = now() WHERE venue_id = $1 AND id = ANY($2::uuid[]) AND closed_at IS NULL RETURNING id`,
    [venueId, seatIds],
  );
  return rows.map((r) => r.id);
}

/** A section of the venue, open or closed, with where its seats are (seats closed earlier count: new rows go below them). */
export async function findSectionGeometry(
  tx: Tx,
  venueId: string,
  sectionId: string,
): Promise<(SectionGeometry & { kind: Section['kind']; closed: boolean }) | undefined> {
  const { rows } = await tx.query<{ kind: Section['kind']; category: string; closed: boolean; min_x: string | null; max_y: string | null }>(
    `SELECT kind, category, closed_at IS NOT NULL AS closed,
            (SELECT min(x) FROM catalog.seats WHERE section_id = sec.id) AS min_x,
            (SELECT max(y) FROM catalog.seats WHERE section_id = sec.id) AS max_y
       FROM catalog.sections sec WHERE id = $1 AND venue_id = $2`,
    [sectionId, venueId],
  );
  const section = rows[0];
  if (!section) return undefined;
  // Per row label: its open seat with the lowest number (where the row continues from) and its highest number.
  const seats = await tx.query<{ row_label: string; number: number; x: string; y: string; category: string; last_number: number }>(
    `SELECT DISTINCT ON (row_label) row_label, number, x, y, category, max(number) OVER (PARTITION BY row_label) AS last_number
       FROM catalog.seats WHERE section_id = $1
      ORDER BY row_label, closed_at IS NOT NULL, number`,
    [sectionId],
  );
  return {
    kind: section.kind,
    category: section.category,
    closed: section.closed,
    minX: Number(section.min_x ?? 0),
    maxY: Number(section.max_y ?? -1),
    rows: new Map(seats.rows.map((r) => [r.row_label, { number: r.number, x: Number(r.x), y: Number(r.y), category: r.category, lastNumber: r.last_number }])),
  };
}

/** Open seats of a section at any of the given row labels and numbers, in row and number order. */
export async function openSeatsAt(tx: Tx, sectionId: string, places: readonly Pick<Seat, 'row' | 'number'>[]): Promise<Seat[]> {
  const { rows } = await tx.query<SeatRecord>(
    `SELECT ${seatColumns} FROM catalog.seats s
       JOIN unnest($2::text[], $3::int[]) AS u(row_label, number) ON u.row_label = s.row_label AND u.number = s.number
      WHERE s.section_id = $1 AND s.closed_at IS NULL ORDER BY s.row_label, s.number`,
    [sectionId, places.map((p) => p.row), places.map((p) => p.number)],
  );
  return rows.map(toSeat);
}

/** Whether the section is part of the venue (and open). */
export async function venueHasSection(db: Pool | Tx, venueId: string, sectionId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM catalog.sections WHERE id = $1 AND venue_id = $2 AND closed_at IS NULL', [sectionId, venueId]);
  return rowCount !== 0;
}

/** Price categories the venue's seats and general-admission sections use. */
export async function categoriesOfVenue(db: Pool | Tx, venueId: string): Promise<Set<string>> {
  return (await categoriesOfVenues(db, [venueId])).get(venueId)!;
}

/** The price categories each venue's open seats and standing areas use. */
async function categoriesOfVenues(db: Pool | Tx, venueIds: readonly string[]): Promise<Map<string, Set<string>>> {
  const { rows } = await db.query<{ venue_id: string; category: string }>(
    `SELECT venue_id, category FROM catalog.seats WHERE venue_id = ANY($1::uuid[]) AND closed_at IS NULL
     UNION
     SELECT venue_id, category FROM catalog.sections WHERE venue_id = ANY($1::uuid[]) AND kind = 'general_admission' AND closed_at IS NULL`,
    [venueIds],
  );
  return new Map([...perVenue(venueIds, rows)].map(([id, categories]) => [id, new Set(categories.map((c) => c.category))]));
}

/**
 * Asks booking to let go of seats and general-admission sections about to
 * close, inside the closing transaction: booking decides under its inventory
 * row locks (booking.retire_places, booking's migration 004) and either
 * removes them from every event's inventory or answers those with places
 * held or sold, which cannot close (then it changed nothing). Without booking
 * on this database nothing can be in use.
 */
export async function retireInBooking(
  tx: Tx,
  venueId: string,
  places: { seatIds: readonly string[]; gaSectionIds: readonly string[] },
): Promise<{ seatsInUse: string[]; sectionsInUse: string[] }> {
  const { rows: exists } = await tx.query<{ present: boolean }>(`SELECT to_regprocedure('booking.retire_places(uuid, uuid[], uuid[])') IS NOT NULL AS present`);
  if (!exists[0]!.present) return { seatsInUse: [], sectionsInUse: [] };
  const { rows } = await tx.query<{ seats_in_use: string[]; sections_in_use: string[] }>(
    'SELECT seats_in_use, sections_in_use FROM booking.retire_places($1, $2::uuid[], $3::uuid[])',
    [venueId, places.seatIds, places.gaSectionIds],
  );
  return { seatsInUse: rows[0]!.seats_in_use, sectionsInUse: rows[0]!.sections_in_use };
}

/** Open sections of the venue among `sectionIds`, with the open seats of the seated ones. */
export async function openSectionsOf(tx: Tx, venueId: string, sectionIds: readonly string[]) {
  const { rows } = await tx.query<{ id: string; kind: 'seated' | 'general_admission'; seat_ids: string[] }>(
    `SELECT sec.id, sec.kind,
            coalesce((SELECT array_agg(s.id ORDER BY s.id) FROM catalog.seats s WHERE s.section_id = sec.id AND s.closed_at IS NULL), '{}') AS seat_ids
       FROM catalog.sections sec WHERE sec.venue_id = $1 AND sec.id = ANY($2::uuid[]) AND sec.closed_at IS NULL ORDER BY sec.id`,
    [venueId, sectionIds],
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, seatIds: r.seat_ids }));
}

/** Sections among `sectionIds` that are no part of the venue at all. */
export async function foreignSectionsOf(tx: Tx, venueId: string, sectionIds: readonly string[]): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    'SELECT u.id FROM unnest($2::uuid[]) AS u(id) WHERE NOT EXISTS (SELECT 1 FROM catalog.sections sec WHERE sec.id = u.id AND sec.venue_id = $1) ORDER BY u.id',
    [venueId, sectionIds],
  );
  return rows.map((r) => r.id);
}

export async function markSectionsClosed(tx: Tx, sectionIds: readonly string[]): Promise<void> {
  await tx.query('UPDATE catalog.sections SET closed_at = now() WHERE id = ANY($1::uuid[]) AND closed_at IS NULL', [sectionIds]);
}
