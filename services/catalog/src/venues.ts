import { randomUUID } from 'node:crypto';
import { inputOf, principalOf, problems, requireRole, type Pool, type Tx } from '@ticketing/platform';
import { ownerOf, type RouteDeps } from './deps.js';

/** Largest seat map one venue may have; checked in the handler (a sum JSON Schema cannot express). */
export const MAX_SEATS_PER_VENUE = 20_000;

// ---- input (shapes of the OpenAPI schemas; the validator has checked them) ----

interface RowInput {
  row: string;
  seats: number;
  firstNumber?: number;
  offset?: number;
  category?: string;
}
interface SeatedSectionInput {
  name: string;
  kind: 'seated';
  category: string;
  origin?: { x: number; y: number };
  rows: RowInput[];
}
interface GeneralAdmissionSectionInput {
  name: string;
  kind: 'general_admission';
  category: string;
  capacity: number;
}
export interface VenueInput {
  name: string;
  city: string;
  address?: string;
  timezone?: string;
  sections: (SeatedSectionInput | GeneralAdmissionSectionInput)[];
}

// ---- output ----

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

/** A venue's rows as they go into the database. */
interface ExpandedSeatMap {
  sections: (Section & { position: number })[];
  seats: Omit<Seat, 'id'>[];
}

type FieldError = { field: string; message: string };

/**
 * Turns the compact seat map of a request into sections and seats with
 * coordinates, and checks what the JSON Schema cannot: unique names and row
 * labels, and the total seat count.
 */
export function expandSeatMap(input: VenueInput['sections']): ExpandedSeatMap {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  let totalSeats = 0;
  input.forEach((section, i) => {
    if (names.has(section.name)) errors.push({ field: `body.sections.${i}.name`, message: 'is the name of an earlier section' });
    names.add(section.name);
    if (section.kind !== 'seated') return;
    const labels = new Set<string>();
    section.rows.forEach((row, j) => {
      if (labels.has(row.row)) errors.push({ field: `body.sections.${i}.rows.${j}.row`, message: 'is the label of an earlier row of this section' });
      labels.add(row.row);
      totalSeats += row.seats;
    });
  });
  if (totalSeats > MAX_SEATS_PER_VENUE) {
    errors.push({ field: 'body.sections', message: `has ${totalSeats} seats; a venue may have at most ${MAX_SEATS_PER_VENUE}` });
  }
  if (errors.length > 0) throw problems.validation(errors);

  const out: ExpandedSeatMap = { sections: [], seats: [] };
  let nextY = 0; // sections without an origin are stacked top to bottom
  input.forEach((section, position) => {
    const id = randomUUID();
    if (section.kind === 'general_admission') {
      out.sections.push({ id, name: section.name, kind: section.kind, category: section.category, capacity: section.capacity, position });
      return;
    }
    const origin = section.origin ?? { x: 0, y: nextY };
    let capacity = 0;
    section.rows.forEach((row, rowIndex) => {
      const first = row.firstNumber ?? 1;
      for (let k = 0; k < row.seats; k++) {
        out.seats.push({
          sectionId: id,
          row: row.row,
          number: first + k,
          x: origin.x + (row.offset ?? 0) + k,
          y: origin.y + rowIndex,
          category: row.category ?? section.category,
        });
      }
      capacity += row.seats;
    });
    nextY = Math.max(nextY, origin.y + section.rows.length + 1);
    out.sections.push({ id, name: section.name, kind: section.kind, category: section.category, capacity, position });
  });
  return out;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

// ---- queries ----

export interface VenueRow {
  id: string;
  owner_id: string;
  name: string;
  city: string;
  address: string;
  timezone: string;
  created_at: Date;
}

export async function findVenueRow(db: Pool | Tx, venueId: string): Promise<VenueRow | undefined> {
  const { rows } = await db.query<VenueRow>('SELECT id, owner_id, name, city, address, timezone, created_at FROM catalog.venues WHERE id = $1', [venueId]);
  return rows[0];
}

export async function loadSections(db: Pool | Tx, venueId: string): Promise<Section[]> {
  const { rows } = await db.query<Section>(`SELECT id, name, kind, category, capacity FROM catalog.sections WHERE venue_id = $1 ORDER BY position, name`, [
    venueId,
  ]);
  return rows;
}

export async function loadVenue(db: Pool | Tx, venueId: string): Promise<Venue | undefined> {
  const row = await findVenueRow(db, venueId);
  if (!row) return undefined;
  const sections = await loadSections(db, venueId);
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

/** Seats of a venue (or one of its sections), in seat-map order. */
export async function loadSeats(db: Pool | Tx, venueId: string, sectionId?: string): Promise<Seat[]> {
  const { rows } = await db.query<{ id: string; section_id: string; row_label: string; number: number; x: string; y: string; category: string }>(
    `SELECT s.id, s.section_id, s.row_label, s.number, s.x, s.y, s.category
       FROM catalog.seats s JOIN catalog.sections sec ON sec.id = s.section_id
      WHERE s.venue_id = $1 AND ($2::uuid IS NULL OR s.section_id = $2)
      ORDER BY sec.position, sec.name, s.y, s.x, s.row_label, s.number`,
    [venueId, sectionId ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    sectionId: r.section_id,
    row: r.row_label,
    number: r.number,
    x: Number(r.x),
    y: Number(r.y),
    category: r.category,
  }));
}

async function insertVenue(tx: Tx, ownerId: string, input: VenueInput, map: ExpandedSeatMap): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO catalog.venues (owner_id, name, city, address, timezone) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [ownerId, input.name, input.city, input.address ?? '', input.timezone ?? 'UTC'],
  );
  const venueId = rows[0]!.id;
  const s = map.sections;
  await tx.query(
    `INSERT INTO catalog.sections (id, venue_id, name, kind, category, capacity, position)
     SELECT u.id, $1, u.name, u.kind, u.category, u.capacity, u.position
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[]) AS u(id, name, kind, category, capacity, position)`,
    [venueId, s.map((x) => x.id), s.map((x) => x.name), s.map((x) => x.kind), s.map((x) => x.category), s.map((x) => x.capacity), s.map((x) => x.position)],
  );
  const seats = map.seats;
  if (seats.length > 0) {
    // One statement for the whole map: up to 20,000 rows in a few hundred ms.
    await tx.query(
      `INSERT INTO catalog.seats (venue_id, section_id, row_label, number, x, y, category)
       SELECT $1, u.section_id, u.row_label, u.number, u.x, u.y, u.category
         FROM unnest($2::uuid[], $3::text[], $4::int[], $5::numeric[], $6::numeric[], $7::text[]) AS u(section_id, row_label, number, x, y, category)`,
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
  return venueId;
}

// ---- routes ----

export function registerVenueRoutes({ api, pool, writer, verifier }: RouteDeps): void {
  api.operation('post', '/venues', requireRole(verifier, 'partner', 'admin'), async (req, res) => {
    const principal = principalOf(req);
    const input = inputOf(req).body as VenueInput;
    await writer.run(req, res, principal.sub, async (tx) => {
      if (input.timezone !== undefined && !isTimeZone(input.timezone)) {
        throw problems.validation([{ field: 'body.timezone', message: 'is not an IANA time zone name' }]);
      }
      const map = expandSeatMap(input.sections);
      const venueId = await insertVenue(tx, ownerOf(principal), input, map);
      return { status: 201, body: await loadVenue(tx, venueId), headers: { Location: `/venues/${venueId}` } };
    });
  });

  api.operation('get', '/venues/{venueId}', async (req, res) => {
    const { venueId } = inputOf(req).params as { venueId: string };
    const venue = await loadVenue(pool, venueId);
    if (!venue) throw problems.notFound(`venue ${venueId}`);
    res.json(venue);
  });

  api.operation('get', '/venues/{venueId}/seats', async (req, res) => {
    const { params, query } = inputOf(req);
    const { venueId } = params as { venueId: string };
    const { sectionId } = query as { sectionId?: string };
    const venue = await findVenueRow(pool, venueId);
    if (!venue) throw problems.notFound(`venue ${venueId}`);
    if (sectionId !== undefined) {
      const { rowCount } = await pool.query('SELECT 1 FROM catalog.sections WHERE id = $1 AND venue_id = $2', [sectionId, venueId]);
      if (rowCount === 0) throw problems.notFound(`section ${sectionId} of venue ${venueId}`);
    }
    res.json({ venueId, seats: await loadSeats(pool, venueId, sectionId) });
  });
}
