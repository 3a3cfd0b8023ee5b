import type { Pool, Tx } from '@ticketing/platform';

/**
 * What the services after a purchase (tickets, notifications) read from the
 * catalog's tables to describe a booking: the event, its venue and the names
 * of its places. The catalog owns these tables; this module is the whole
 * contract (test/event-summary.test.ts runs it on the catalog's migrations).
 */
export interface EventSummary {
  id: string;
  title: string;
  startsAt: Date;
  /** The organization that owns the event (its partners and staff). */
  organizationId: string;
  venueName: string;
  venueCity: string;
  venueTimezone: string;
}

export async function findEventSummary(db: Pool | Tx, eventId: string): Promise<EventSummary | undefined> {
  const { rows } = await db.query<{ id: string; title: string; starts_at: Date; owner_id: string; name: string; city: string; timezone: string }>(
    `SELECT e.id, e.title, e.starts_at, e.owner_id, v.name, v.city, v.timezone
       FROM catalog.events e JOIN catalog.venues v ON v.id = e.venue_id WHERE e.id = $1`,
    [eventId],
  );
  const row = rows[0];
  return (
    row && {
      id: row.id,
      title: row.title,
      startsAt: row.starts_at,
      organizationId: row.owner_id,
      venueName: row.name,
      venueCity: row.city,
      venueTimezone: row.timezone,
    }
  );
}

/** Human names of seats by id: "Stalls · Row A · Seat 3". */
export async function seatNames(db: Pool | Tx, seatIds: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await db.query<{ id: string; section: string; row_label: string; number: number }>(
    `SELECT s.id, sec.name AS section, s.row_label, s.number FROM catalog.seats s JOIN catalog.sections sec ON sec.id = s.section_id WHERE s.id = ANY($1::uuid[])`,
    [seatIds],
  );
  return new Map(rows.map((r) => [r.id, `${r.section} · Row ${r.row_label} · Seat ${r.number}`]));
}

/** The name of a section (general admission areas are named by it). */
export async function sectionName(db: Pool | Tx, sectionId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ name: string }>('SELECT name FROM catalog.sections WHERE id = $1', [sectionId]);
  return rows[0]?.name;
}
