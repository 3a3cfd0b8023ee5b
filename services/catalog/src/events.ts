import type { Request } from 'express';
import { authenticate, inputOf, principalOf, problems, requireRole, type Pool, type TokenVerifier, type Tx } from '@ticketing/platform';
import { mayManage, type RouteDeps } from './deps.js';
import { findVenueRow, loadSeats, loadSections } from './venues.js';

export type EventStatus = 'draft' | 'on_sale' | 'cancelled';

interface PriceTier {
  category: string;
  priceCents: number;
  currency: string;
}
interface EventInput {
  venueId: string;
  title: string;
  description?: string;
  startsAt: string;
  endsAt: string;
  priceTiers: PriceTier[];
  status?: 'draft' | 'on_sale';
}
interface EventPatch {
  title?: string;
  description?: string;
  startsAt?: string;
  endsAt?: string;
  status?: EventStatus;
}

export interface Event {
  id: string;
  title: string;
  description: string;
  startsAt: string;
  endsAt: string;
  status: EventStatus;
  venue: { id: string; name: string; city: string; address: string; timezone: string };
  priceTiers: PriceTier[];
  createdAt: string;
  updatedAt: string;
}

/** Allowed status changes (staying in the same status is always allowed). */
const transitions: Record<EventStatus, readonly EventStatus[]> = {
  draft: ['on_sale', 'cancelled'],
  // Not back to draft: buyers may already hold or own seats.
  on_sale: ['cancelled'],
  cancelled: [],
};

// ---- queries ----

/** Columns of an event with its venue summary and price tiers; `e` and `v` aliases. */
export const eventColumns = `
  e.id, e.owner_id, e.title, e.description, e.starts_at, e.ends_at, e.status, e.created_at, e.updated_at,
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
    venue: { id: row.venue_id, name: row.venue_name, city: row.venue_city, address: row.venue_address, timezone: row.venue_timezone },
    priceTiers: row.price_tiers,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

async function findEventRow(db: Pool | Tx, eventId: string): Promise<EventRow | undefined> {
  const { rows } = await db.query<EventRow>(`SELECT ${eventColumns} FROM catalog.events e JOIN catalog.venues v ON v.id = e.venue_id WHERE e.id = $1`, [
    eventId,
  ]);
  return rows[0];
}

/** The event as the caller may see it: drafts only for their owner and admins. */
async function visibleEvent(req: Request, db: Pool, verifier: TokenVerifier, eventId: string): Promise<EventRow> {
  const principal = await authenticate(req, verifier);
  const row = await findEventRow(db, eventId);
  if (!row || (row.status === 'draft' && !mayManage(principal, row.owner_id))) throw problems.notFound(`event ${eventId}`);
  return row;
}

/** Categories priced by the event's tiers must be exactly those the venue uses. */
async function checkPriceTiers(tx: Tx, venueId: string, tiers: PriceTier[]): Promise<void> {
  const seen = new Set<string>();
  const duplicates = tiers.map((t, i) => ({ t, i })).filter(({ t }) => seen.has(t.category) || !seen.add(t.category));
  if (duplicates.length > 0) {
    throw problems.validation(duplicates.map(({ i }) => ({ field: `body.priceTiers.${i}.category`, message: 'has another price tier already' })));
  }
  const currencies = [...new Set(tiers.map((t) => t.currency))];
  if (currencies.length > 1) {
    throw problems.unprocessable(
      'mixed-currencies',
      'Price tiers use several currencies',
      `all price tiers of an event must use one currency; got ${currencies.join(', ')}`,
    );
  }
  const { rows } = await tx.query<{ category: string }>(
    `SELECT category FROM catalog.seats WHERE venue_id = $1
     UNION
     SELECT category FROM catalog.sections WHERE venue_id = $1 AND kind = 'general_admission'`,
    [venueId],
  );
  const used = new Set(rows.map((r) => r.category));
  const missing = [...used].filter((c) => !seen.has(c)).sort();
  if (missing.length > 0) {
    throw problems.unprocessable(
      'missing-price-tier',
      'Categories without a price',
      `the venue has seats or places in categories without a price tier: ${missing.join(', ')}`,
      { categories: missing },
    );
  }
  const unknown = [...seen].filter((c) => !used.has(c)).sort();
  if (unknown.length > 0) {
    throw problems.unprocessable(
      'unknown-category',
      'Price tier for an unused category',
      `the venue has no seats or places in categories: ${unknown.join(', ')}`,
      { categories: unknown },
    );
  }
}

function checkTimes(startsAt: Date, endsAt: Date): void {
  if (endsAt.getTime() <= startsAt.getTime()) throw problems.validation([{ field: 'body.endsAt', message: 'must be after startsAt' }]);
}

/** A new or moved start must lie ahead: an event in the past would go straight on sale. */
function checkStartsAhead(startsAt: Date): void {
  if (startsAt.getTime() <= Date.now()) {
    throw problems.unprocessable('starts-in-past', 'Event starts in the past', `startsAt ${startsAt.toISOString()} has already passed`, {
      field: 'body.startsAt',
    });
  }
}

// ---- routes ----

export function registerEventRoutes({ api, pool, writer, verifier }: RouteDeps): void {
  const partner = requireRole(verifier, 'partner', 'admin');

  api.operation('post', '/events', partner, async (req, res) => {
    const principal = principalOf(req);
    const input = inputOf(req).body as EventInput;
    await writer.run(req, res, principal.sub, async (tx) => {
      const venue = await findVenueRow(tx, input.venueId);
      if (!venue) throw problems.unprocessable('unknown-venue', 'Unknown venue', `venue ${input.venueId} does not exist`);
      if (!mayManage(principal, venue.owner_id)) throw problems.forbidden(`venue ${input.venueId} belongs to another organization`);
      checkTimes(new Date(input.startsAt), new Date(input.endsAt));
      checkStartsAhead(new Date(input.startsAt));
      await checkPriceTiers(tx, venue.id, input.priceTiers);
      // The event belongs to the venue's owner, also when an admin creates it.
      // Times are kept to the millisecond, the precision the API returns.
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO catalog.events (venue_id, owner_id, title, description, starts_at, ends_at, status)
         VALUES ($1, $2, $3, $4, date_trunc('milliseconds', $5::timestamptz), date_trunc('milliseconds', $6::timestamptz), $7)
         RETURNING id`,
        [venue.id, venue.owner_id, input.title, input.description ?? '', input.startsAt, input.endsAt, input.status ?? 'on_sale'],
      );
      const eventId = rows[0]!.id;
      const tiers = input.priceTiers;
      await tx.query(
        `INSERT INTO catalog.price_tiers (event_id, category, price_cents, currency)
         SELECT $1, u.category, u.price_cents, u.currency FROM unnest($2::text[], $3::int[], $4::text[]) AS u(category, price_cents, currency)`,
        [eventId, tiers.map((t) => t.category), tiers.map((t) => t.priceCents), tiers.map((t) => t.currency)],
      );
      return { status: 201, body: toEvent((await findEventRow(tx, eventId))!), headers: { Location: `/events/${eventId}` } };
    });
  });

  api.operation('get', '/events/{eventId}', async (req, res) => {
    const { eventId } = inputOf(req).params as { eventId: string };
    res.json(toEvent(await visibleEvent(req, pool, verifier, eventId)));
  });

  api.operation('patch', '/events/{eventId}', partner, async (req, res) => {
    const principal = principalOf(req);
    const { params, body } = inputOf(req);
    const { eventId } = params as { eventId: string };
    const patch = body as EventPatch;
    await writer.run(req, res, principal.sub, async (tx) => {
      const { rows } = await tx.query<{ owner_id: string; status: EventStatus; starts_at: Date; ends_at: Date }>(
        'SELECT owner_id, status, starts_at, ends_at FROM catalog.events WHERE id = $1 FOR UPDATE',
        [eventId],
      );
      const current = rows[0];
      if (!current) throw problems.notFound(`event ${eventId}`);
      if (!mayManage(principal, current.owner_id)) throw problems.forbidden(`event ${eventId} belongs to another organization`);
      if (current.status === 'cancelled') {
        const onlyCancel = Object.keys(patch).length === 1 && patch.status === 'cancelled';
        if (!onlyCancel) throw problems.conflict('event-cancelled', 'Event is cancelled', `event ${eventId} is cancelled and cannot be changed`);
      } else if (patch.status !== undefined && patch.status !== current.status && !transitions[current.status].includes(patch.status)) {
        throw problems.conflict('invalid-status-transition', 'Status change not allowed', `an event cannot go from ${current.status} to ${patch.status}`, {
          from: current.status,
          to: patch.status,
        });
      }
      checkTimes(patch.startsAt ? new Date(patch.startsAt) : current.starts_at, patch.endsAt ? new Date(patch.endsAt) : current.ends_at);
      if (patch.startsAt) checkStartsAhead(new Date(patch.startsAt));
      await tx.query(
        `UPDATE catalog.events SET
           title       = coalesce($2, title),
           description = coalesce($3, description),
           starts_at   = coalesce(date_trunc('milliseconds', $4::timestamptz), starts_at),
           ends_at     = coalesce(date_trunc('milliseconds', $5::timestamptz), ends_at),
           status      = coalesce($6, status),
           updated_at  = now()
         WHERE id = $1`,
        [eventId, patch.title ?? null, patch.description ?? null, patch.startsAt ?? null, patch.endsAt ?? null, patch.status ?? null],
      );
      return { status: 200, body: toEvent((await findEventRow(tx, eventId))!) };
    });
  });

  api.operation('get', '/events/{eventId}/seat-map', async (req, res) => {
    const { params, query } = inputOf(req);
    const { eventId } = params as { eventId: string };
    const { sectionId } = query as { sectionId?: string };
    const event = await visibleEvent(req, pool, verifier, eventId);
    let sections = await loadSections(pool, event.venue_id);
    if (sectionId !== undefined) {
      sections = sections.filter((s) => s.id === sectionId);
      if (sections.length === 0) throw problems.notFound(`section ${sectionId} of the event's venue`);
    }
    const prices = new Map(event.price_tiers.map((t) => [t.category, t.priceCents]));
    const priceOf = (category: string): number => {
      const price = prices.get(category);
      // Creation guarantees a tier per used category, and seat maps never change.
      if (price === undefined) throw new Error(`event ${eventId} has no price for category ${category}`);
      return price;
    };
    const seatsBySection = new Map<string, unknown[]>();
    for (const seat of await loadSeats(pool, event.venue_id, sectionId)) {
      const list = seatsBySection.get(seat.sectionId) ?? [];
      list.push({ id: seat.id, row: seat.row, number: seat.number, x: seat.x, y: seat.y, category: seat.category, priceCents: priceOf(seat.category) });
      seatsBySection.set(seat.sectionId, list);
    }
    const e = toEvent(event);
    res.json({
      eventId,
      status: e.status,
      currency: e.priceTiers[0]?.currency ?? '',
      venue: e.venue,
      priceTiers: e.priceTiers,
      sections: sections.map((s) => ({
        ...s,
        ...(s.kind === 'general_admission' ? { priceCents: priceOf(s.category) } : {}),
        seats: seatsBySection.get(s.id) ?? [],
      })),
    });
  });
}
