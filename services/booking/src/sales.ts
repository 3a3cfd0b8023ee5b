import type { Pool, Principal } from '@ticketing/platform';
import { findEventsOfOwner } from './catalog-reader.js';
import { ensureInventory } from './inventory.js';

/** At most this many events in one sales overview. */
export const SALES_OVERVIEW_MAX = 200;

export interface EventSales {
  eventId: string;
  /** Seats plus general-admission places. */
  capacity: number;
  sold: number;
  /** In live holds (a lapsed seat hold counts as available at once, as buyers see it). */
  held: number;
  available: number;
  /** Confirmed bookings' amounts; cancelled (refunded) ones are not revenue. */
  revenue: { cents: number; currency: string };
}

/**
 * Sold, held and available places and revenue of the events of the caller's
 * organization (admins: of every event), the soonest SALES_OVERVIEW_MAX or
 * those of `eventIds` (the page of them the organizer is looking at), for
 * the organizer's list. Events nobody has opened yet get their inventory
 * copied first, as a buyer's first look would.
 */
export async function salesOverview(pool: Pool, requester: Principal, eventIds?: string[]): Promise<EventSales[]> {
  if (requester.role !== 'admin' && !requester.org) return [];
  const events = await findEventsOfOwner(pool, requester.role === 'admin' ? undefined : requester.org, SALES_OVERVIEW_MAX, eventIds);
  for (const event of events) await ensureInventory(pool, event);
  const ids = events.map((e) => e.id);
  const { rows } = await pool.query<{ event_id: string; capacity: number; sold: number; held: number; revenue_cents: string; currency: string }>(
    `WITH ids AS (SELECT unnest($1::uuid[]) AS event_id, generate_subscripts($1::uuid[], 1) AS position),
          seats AS (SELECT event_id, count(*)::int AS capacity, (count(*) FILTER (WHERE status = 'sold'))::int AS sold,
                           (count(*) FILTER (WHERE status = 'held' AND held_until > now()))::int AS held, min(currency) AS currency
                      FROM booking.seat_inventory WHERE event_id = ANY($1::uuid[]) GROUP BY event_id),
          ga AS (SELECT event_id, sum(capacity)::int AS capacity, sum(sold)::int AS sold, sum(held)::int AS held, min(currency) AS currency
                   FROM booking.ga_sections WHERE event_id = ANY($1::uuid[]) GROUP BY event_id),
          revenue AS (SELECT event_id, sum(amount_cents) AS cents FROM booking.bookings
                       WHERE event_id = ANY($1::uuid[]) AND status = 'confirmed' GROUP BY event_id)
     SELECT ids.event_id,
            COALESCE(seats.capacity, 0) + COALESCE(ga.capacity, 0) AS capacity,
            COALESCE(seats.sold, 0) + COALESCE(ga.sold, 0) AS sold,
            COALESCE(seats.held, 0) + COALESCE(ga.held, 0) AS held,
            COALESCE(revenue.cents, 0)::text AS revenue_cents,
            COALESCE(seats.currency, ga.currency, '') AS currency
       FROM ids LEFT JOIN seats USING (event_id) LEFT JOIN ga USING (event_id) LEFT JOIN revenue USING (event_id)
      ORDER BY ids.position`,
    [ids],
  );
  return rows.map((r) => ({
    eventId: r.event_id,
    capacity: r.capacity,
    sold: r.sold,
    held: r.held,
    available: r.capacity - r.sold - r.held,
    revenue: { cents: Number(r.revenue_cents), currency: r.currency },
  }));
}
