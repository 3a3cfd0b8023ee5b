import type { Pool, Tx } from '@ticketing/platform';
import { named } from './statements.js';

/**
 * Everything booking reads from the catalog's schema, and nothing else does:
 * the catalog owns and migrates these tables, booking only SELECTs from them
 * (test/catalog-reader.test.ts runs every query here on the catalog's real
 * migrations, so a migration that breaks booking fails there).
 *
 *   catalog.events       id, venue_id, owner_id, status, starts_at
 *   catalog.seats        id, venue_id, section_id, category, closed_at
 *   catalog.sections     id, venue_id, kind, category, capacity, closed_at
 *   catalog.price_tiers  event_id, category, price_cents, currency
 */

/** Only `on_sale` events take holds; the others are the catalog's lifecycle (paused and closed sales refuse new holds). */
export type CatalogEventStatus = 'draft' | 'scheduled' | 'on_sale' | 'paused' | 'sales_closed' | 'happened' | 'cancelled';

export interface CatalogEvent {
  id: string;
  venueId: string;
  status: CatalogEventStatus;
  startsAt: Date;
}

export async function findCatalogEvent(db: Pool | Tx, eventId: string): Promise<CatalogEvent | undefined> {
  const { rows } = await db.query<{ id: string; venue_id: string; status: CatalogEventStatus; starts_at: Date }>(
    named('find-catalog-event', 'SELECT id, venue_id, status, starts_at FROM catalog.events WHERE id = $1'),
    [eventId],
  );
  const row = rows[0];
  return row && { id: row.id, venueId: row.venue_id, status: row.status, startsAt: row.starts_at };
}

/**
 * The events an organization owns (every event for `undefined`: admins),
 * soonest first, at most `limit`; only those of `ids` when given (the others
 * are not the organization's to see).
 */
export async function findEventsOfOwner(db: Pool | Tx, ownerId: string | undefined, limit: number, ids?: string[]): Promise<CatalogEvent[]> {
  const { rows } = await db.query<{ id: string; venue_id: string; status: CatalogEventStatus; starts_at: Date }>(
    `SELECT id, venue_id, status, starts_at FROM catalog.events
      WHERE ($1::text IS NULL OR owner_id = $1) AND ($3::uuid[] IS NULL OR id = ANY($3))
      ORDER BY starts_at, id LIMIT $2`,
    [ownerId ?? null, limit, ids ?? null],
  );
  return rows.map((row) => ({ id: row.id, venueId: row.venue_id, status: row.status, startsAt: row.starts_at }));
}

/** SQL: whether the catalog has cancelled the event whose id is `param` (a boolean, for booking's own statements). */
export const eventCancelledSql = (param: string) => `EXISTS (SELECT 1 FROM catalog.events WHERE id = ${param} AND status = 'cancelled')`;

/** Whether the catalog has cancelled the event; no sale may complete for it. */
export async function eventIsCancelled(db: Pool | Tx, eventId: string): Promise<boolean> {
  const { rows } = await db.query<{ cancelled: boolean }>(named('event-is-cancelled', `SELECT ${eventCancelledSql('$1')} AS cancelled`), [eventId]);
  return rows[0]!.cancelled;
}

/** The organization that owns the event (its partners see its sales). */
export async function eventOwnerOf(db: Pool | Tx, eventId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ owner_id: string }>(named('event-owner-of', 'SELECT owner_id FROM catalog.events WHERE id = $1'), [eventId]);
  return rows[0]?.owner_id;
}

/** Whether the event has started, by the database clock. */
export async function eventHasStarted(db: Pool | Tx, eventId: string): Promise<boolean> {
  const { rows } = await db.query<{ started: boolean }>(named('event-has-started', 'SELECT starts_at <= now() AS started FROM catalog.events WHERE id = $1'), [
    eventId,
  ]);
  return rows[0]?.started === true;
}

/**
 * Queries booking embeds in its own statements (INSERT … SELECT, EXISTS), so
 * the copy into inventory is one statement. Each takes the parameters named.
 */
export const catalogQueries = {
  /** Seats of the venue `$2` in seated sections, priced by event `$1`'s tiers: seat_id, section_id, category, price_cents, currency. */
  pricedSeats: `SELECT s.id AS seat_id, s.section_id, s.category, p.price_cents, p.currency
                  FROM catalog.seats s
                  JOIN catalog.sections sec ON sec.id = s.section_id AND sec.kind = 'seated'
                  JOIN catalog.price_tiers p ON p.event_id = $1 AND p.category = s.category
                 WHERE s.venue_id = $2 AND s.closed_at IS NULL`,
  /** General-admission sections of the venue `$2`, priced by event `$1`'s tiers: section_id, category, price_cents, currency, capacity. */
  pricedGaSections: `SELECT sec.id AS section_id, sec.category, p.price_cents, p.currency, sec.capacity
                       FROM catalog.sections sec
                       JOIN catalog.price_tiers p ON p.event_id = $1 AND p.category = sec.category
                      WHERE sec.venue_id = $2 AND sec.kind = 'general_admission' AND sec.closed_at IS NULL`,
  /** Events `$1` (uuid[]) that are published (not drafts): event_id, venue_id. */
  publishedEvents: `SELECT id AS event_id, venue_id FROM catalog.events WHERE id = ANY($1::uuid[]) AND status <> 'draft'`,
  /** Seats of events `$1` (uuid[]) priced by each event's tiers: event_id, seat_id, section_id, category, price_cents, currency. */
  pricedSeatsOfEvents: `SELECT e.id AS event_id, s.id AS seat_id, s.section_id, s.category, p.price_cents, p.currency
                          FROM catalog.events e
                          JOIN catalog.seats s ON s.venue_id = e.venue_id
                          JOIN catalog.sections sec ON sec.id = s.section_id AND sec.kind = 'seated'
                          JOIN catalog.price_tiers p ON p.event_id = e.id AND p.category = s.category
                         WHERE e.id = ANY($1::uuid[]) AND s.closed_at IS NULL`,
  /** General-admission sections of events `$1` (uuid[]) priced by each event's tiers: event_id, section_id, category, price_cents, currency, capacity. */
  pricedGaSectionsOfEvents: `SELECT e.id AS event_id, sec.id AS section_id, sec.category, p.price_cents, p.currency, sec.capacity
                               FROM catalog.events e
                               JOIN catalog.sections sec ON sec.venue_id = e.venue_id AND sec.kind = 'general_admission' AND sec.closed_at IS NULL
                               JOIN catalog.price_tiers p ON p.event_id = e.id AND p.category = sec.category
                              WHERE e.id = ANY($1::uuid[])`,
  /** Ids of cancelled events: id. */
  cancelledEvents: `SELECT id FROM catalog.events WHERE status = 'cancelled'`,
} as const;
