import { randomUUID } from 'node:crypto';
import { problems } from '@ticketing/platform';
import type { Seat, Section } from './queries.js';

/** Largest seat map one venue may have; checked in the handler (a sum JSON Schema cannot express). */
export const MAX_SEATS_PER_VENUE = 20_000;

/** Shapes of the OpenAPI input schemas; the validator has checked them before these types apply. */
export interface RowInput {
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

/** A venue's rows as they go into the database. */
export interface ExpandedSeatMap {
  sections: (Section & { position: number })[];
  seats: Omit<Seat, 'id'>[];
}

type FieldError = { field: string; message: string };

/** Rows whose label an earlier row of `rows` has, as errors of `field`.<index>.row. */
function repeatedRowLabels(rows: readonly RowInput[], field: string, message: string): FieldError[] {
  const labels = new Set<string>();
  return rows.flatMap((row, j) => {
    const repeated = labels.has(row.row);
    labels.add(row.row);
    return repeated ? [{ field: `${field}.${j}.row`, message }] : [];
  });
}

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
    errors.push(...repeatedRowLabels(section.rows, `body.sections.${i}.rows`, 'is the label of an earlier row of this section'));
    totalSeats += section.rows.reduce((sum, row) => sum + row.seats, 0);
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

/** Seats added to an existing seated section: rows, new or continuing existing ones (`SeatRowsInput`). */
export interface SeatRowsInput {
  rows: RowInput[];
  origin?: { x: number; y: number };
}

/** Where a seated section's seats are: its left edge, its lowest row, and one seat of each row label. */
export interface SectionGeometry {
  category: string;
  minX: number;
  maxY: number;
  rows: Map<string, { number: number; x: number; y: number; category: string; lastNumber: number }>;
}

/**
 * Expands rows added to a seated section into seats. A row whose label the
 * section has continues it (its `y`, one seat unit per number from its seats,
 * plus `offset`; its category; numbered after its last seat unless
 * `firstNumber` says otherwise); new rows are laid out as a section's rows
 * from `origin`, by default the section's left edge, one row below its
 * lowest (the section's category). A row's `category` overrides either.
 * Checks what the schema cannot: each label once per request.
 */
export function expandAddedRows(sectionId: string, section: SectionGeometry, input: SeatRowsInput): Omit<Seat, 'id'>[] {
  const errors = repeatedRowLabels(input.rows, 'body.rows', 'is the label of an earlier row of this request');
  if (errors.length > 0) throw problems.validation(errors);

  const origin = input.origin ?? { x: section.minX, y: section.maxY + 1 };
  const seats: Omit<Seat, 'id'>[] = [];
  let newRows = 0;
  for (const row of input.rows) {
    const existing = section.rows.get(row.row);
    const first = row.firstNumber ?? (existing ? existing.lastNumber + 1 : 1);
    const y = existing ? existing.y : origin.y + newRows++;
    // x of seat `first`: continuing the row's spacing, or from the origin.
    const x0 = (existing ? existing.x + (first - existing.number) : origin.x) + (row.offset ?? 0);
    const category = row.category ?? existing?.category ?? section.category;
    for (let k = 0; k < row.seats; k++) {
      seats.push({ sectionId, row: row.row, number: first + k, x: x0 + k, y, category });
    }
  }
  return seats;
}

/** Checks what the schema cannot (time zone name, seat map rules) and expands the seat map. */
export function checkVenueInput(input: VenueInput): ExpandedSeatMap {
  if (input.timezone !== undefined && !isTimeZone(input.timezone)) {
    throw problems.validation([{ field: 'body.timezone', message: 'is not an IANA time zone name' }]);
  }
  return expandSeatMap(input.sections);
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
