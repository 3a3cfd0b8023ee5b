import { problems, type Pool, type Principal, type Tx } from '@ticketing/platform';
import { mayManage } from '../deps.js';
import { cursorAtColumn, pageOf, type Position } from '../keyset-page.js';
import { loadSeats, loadSections, type VenueRow } from '../venues/queries.js';
import type { EventInput, EventPatch, EventStatus, PriceTier } from './input.js';

export interface Event {
  id: string;
  title: string;
  description: string;
  startsAt: string;
  endsAt: string;
  status: EventStatus;
  /** When a scheduled event goes on sale by itself. */
  salesOpenAt: string | null;
  /** The partner's natural key (import files name events by it). */
  key: string | null;
  venue: { id: string; name: string; city: string; address: string; timezone: string };
  priceTiers: PriceTier[];
  createdAt: string;
  updatedAt: string;
}

/** Columns of an event with its venue summary and price tiers; `e` and `v` aliases. */
export const eventColumns = `
  e.id, e.owner_id, e.title, e.description, e.starts_at, e.ends_at, e.status, e.sales_open_at, e.external_key, e.created_at, e.updated_at,
  v.id AS venue_id, v.name AS venue_name, v.city AS venue_city, v.address AS venue_address, v.timezone AS venue_timezone,
  coalesce((SELECT json_agg(json_build_object('category', p.category, 'priceCents', p.price_cents, 'currency', p.currency)
                            ORDER BY p.category)
              FROM catalog.price_tiers p WHERE p.event_id = e.id), '[]'::json) AS price_tiers`;

export interface EventRow {
  id: string;
  owner_id: string;
  title: string;
  description: string;
  starts_at: Date;
  ends_at: Date;
  status: EventStatus;
  sales_open_at: Date | null;
  external_key: string | null;
  created_at: Date;
  updated_at: Date;
  venue_id: string;
  venue_name: string;
  venue_city: string;
  venue_address: string;
  venue_timezone: string;
  price_tiers: PriceTier[];
}

export function toEvent(row: EventRow): Event {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    status: row.status,
    salesOpenAt: row.sales_open_at?.toISOString() ?? null,
    key: row.external_key,
    venue: { id: row.venue_id, name: row.venue_name, city: row.venue_city, address: row.venue_address, timezone: row.venue_timezone },
    priceTiers: row.price_tiers,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function findEventRow(db: Pool | Tx, eventId: string): Promise<EventRow | undefined> {
  const { rows } = await db.query<EventRow>(`SELECT ${eventColumns} FROM catalog.events e JOIN catalog.venues v ON v.id = e.venue_id WHERE e.id = $1`, [
    eventId,
  ]);
  return rows[0];
}

/** The event as `principal` may see it: drafts only for their owner and admins; 404 otherwise. */
export async function findVisibleEvent(db: Pool, eventId: string, principal: Principal | undefined): Promise<EventRow> {
  const row = await findEventRow(db, eventId);
  if (!row || (row.status === 'draft' && !mayManage(principal, row.owner_id))) throw problems.notFound(`event ${eventId}`);
  return row;
}

/**
 * Inserts an event of `venue` with its price tiers; it belongs to the venue's
 * owner, also when an admin creates it. Times are kept to the millisecond,
 * the precision the API returns.
 */
export async function insertEvent(tx: Tx, venue: VenueRow, input: EventInput): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO catalog.events (venue_id, owner_id, title, description, starts_at, ends_at, status, sales_open_at)
     VALUES ($1, $2, $3, $4, date_trunc('milliseconds', $5::timestamptz), date_trunc('milliseconds', $6::timestamptz), $7,
             date_trunc('milliseconds', $8::timestamptz))
     RETURNING id`,
    [venue.id, venue.owner_id, input.title, input.description ?? '', input.startsAt, input.endsAt, input.status ?? 'on_sale', input.salesOpenAt ?? null],
  );
  const eventId = rows[0]!.id;
  const tiers = input.priceTiers;
  await tx.query(
    `INSERT INTO catalog.price_tiers (event_id, category, price_cents, currency)
     SELECT $1, u.category, u.price_cents, u.currency FROM unnest($2::text[], $3::int[], $4::text[]) AS u(category, price_cents, currency)`,
    [eventId, tiers.map((t) => t.category), tiers.map((t) => t.priceCents), tiers.map((t) => t.currency)],
  );
  return eventId;
}

export interface LockedEvent {
  owner_id: string;
  venue_id: string;
  title: string;
  description: string;
  status: EventStatus;
  starts_at: Date;
  ends_at: Date;
  sales_open_at: Date | null;
}

/** Locks an event row for a change. */
export async function lockEvent(tx: Tx, eventId: string): Promise<LockedEvent | undefined> {
  const { rows } = await tx.query<LockedEvent>(
    'SELECT owner_id, venue_id, title, description, status, starts_at, ends_at, sales_open_at FROM catalog.events WHERE id = $1 FOR UPDATE',
    [eventId],
  );
  return rows[0];
}

export async function updateEvent(tx: Tx, eventId: string, patch: EventPatch): Promise<void> {
  await tx.query(
    `UPDATE catalog.events SET
       title       = coalesce($2, title),
       description = coalesce($3, description),
       starts_at   = coalesce(date_trunc('milliseconds', $4::timestamptz), starts_at),
       ends_at     = coalesce(date_trunc('milliseconds', $5::timestamptz), ends_at),
       status      = coalesce($6, status),
       sales_open_at = CASE WHEN coalesce($6, status) = 'scheduled' THEN coalesce(date_trunc('milliseconds', $7::timestamptz), sales_open_at) ELSE sales_open_at END,
       updated_at  = now()
     WHERE id = $1`,
    [eventId, patch.title ?? null, patch.description ?? null, patch.startsAt ?? null, patch.endsAt ?? null, patch.status ?? null, patch.salesOpenAt ?? null],
  );
}

/** One page of the events `ownerId` owns, in every status, soonest first (then by id); only a venue's, only those ending after an instant, when asked. */
export async function listEventsOf(db: Pool | Tx, ownerId: string, filter: { venueId?: string; endsAfter?: string; after?: Position; limit: number }) {
  const { rows } = await db.query<EventRow & { cursor_at: string }>(
    `SELECT ${eventColumns}, ${cursorAtColumn('e.starts_at')}
       FROM catalog.events e JOIN catalog.venues v ON v.id = e.venue_id
      WHERE e.owner_id = $1 AND ($2::uuid IS NULL OR e.venue_id = $2) AND ($3::timestamptz IS NULL OR e.ends_at > $3)
        AND ($4::timestamptz IS NULL OR (e.starts_at, e.id) > ($4::timestamptz, $5::uuid))
      ORDER BY e.starts_at, e.id LIMIT $6`,
    [ownerId, filter.venueId ?? null, filter.endsAfter ?? null, filter.after?.at ?? null, filter.after?.id ?? null, filter.limit + 1],
  );
  return pageOf(rows, filter.limit, toEvent);
}

/** An event's seat map with prices, in the organizer's section order; only `sectionId` when given (404 if not the venue's). */
export async function loadSeatMap(db: Pool, event: EventRow, sectionId: string | undefined) {
  let sections = await loadSections(db, event.venue_id);
  if (sectionId !== undefined) {
    sections = sections.filter((s) => s.id === sectionId);
    if (sections.length === 0) throw problems.notFound(`section ${sectionId} of the event's venue`);
  }
  const prices = new Map(event.price_tiers.map((t) => [t.category, t.priceCents]));
  // Seats and sections added after publishing are on sale for an event once it prices their category.
  sections = sections.filter((s) => s.kind === 'seated' || prices.has(s.category));
  const seatsBySection = new Map<string, unknown[]>();
  for (const seat of await loadSeats(db, event.venue_id, sectionId)) {
    const priceCents = prices.get(seat.category);
    if (priceCents === undefined) continue;
    const list = seatsBySection.get(seat.sectionId) ?? [];
    list.push({ id: seat.id, row: seat.row, number: seat.number, x: seat.x, y: seat.y, category: seat.category, priceCents });
    seatsBySection.set(seat.sectionId, list);
  }
  const e = toEvent(event);
  return {
    eventId: event.id,
    status: e.status,
    currency: e.priceTiers[0]?.currency ?? '',
    venue: e.venue,
    priceTiers: e.priceTiers,
    sections: sections.map((s) => ({
      ...s,
      ...(s.kind === 'general_admission' ? { priceCents: prices.get(s.category)! } : {}),
      seats: seatsBySection.get(s.id) ?? [],
    })),
  };
}

/** Sets the price of one category of an event (a new tier or a new price). */
export async function upsertPriceTier(tx: Tx, eventId: string, tier: PriceTier): Promise<void> {
  await tx.query(
    `INSERT INTO catalog.price_tiers (event_id, category, price_cents, currency) VALUES ($1, $2, $3, $4)
     ON CONFLICT (event_id, category) DO UPDATE SET price_cents = excluded.price_cents, currency = excluded.currency`,
    [eventId, tier.category, tier.priceCents, tier.currency],
  );
  await tx.query('UPDATE catalog.events SET updated_at = now() WHERE id = $1', [eventId]);
}
