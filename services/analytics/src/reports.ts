import type { Pool } from '@ticketing/platform';

/**
 * Partner reports over the analytics store: the rollups the stream job keeps
 * with every sale it records (analytics.event_month_sales: live bookings per
 * event, currency and month; analytics.buyer_sales: per buyer) and
 * analytics.event_facts. Live bookings only (a cancelled booking leaves every
 * report), every booking whether or not its message was late for its window.
 * One row per group and currency; amounts in cents. Each query reads its
 * organization's rollup rows (a few per event and month) from their primary
 * key, so a report's cost follows the organization's events, not its bookings.
 */
export const reportNames = ['revenue-by-venue', 'revenue-by-city', 'revenue-by-month', 'repeat-customers', 'top-events'] as const;
export type ReportName = (typeof reportNames)[number];

export interface Report {
  name: ReportName;
  organizationId: string;
  /** Column names, in order (the CSV header). */
  columns: readonly string[];
  rows: Record<string, string | number | null>[];
}

interface ReportQuery {
  columns: readonly string[];
  sql: string;
  /** Ranked: `$2` is the most rows to return. */
  ranked?: boolean;
}

/** Bookings, tickets and revenue of each group of event_month_sales rows; `$1` is the organization. */
const revenueTotals = 'sum(bookings)::int AS bookings, sum(tickets)::int AS tickets, sum(revenue_cents)::bigint AS "revenueCents"';
const ofOrganization = 'FROM analytics.event_month_sales WHERE organization_id = $1';
/** Groups whose bookings were all cancelled are no part of a report. */
const live = 'HAVING sum(bookings) > 0';

const queries: Record<ReportName, ReportQuery> = {
  'revenue-by-venue': {
    columns: ['venueId', 'venueName', 'city', 'currency', 'bookings', 'tickets', 'revenueCents'],
    sql: `SELECT t.venue_id AS "venueId", v.venue_name AS "venueName", v.city, t.currency, t.bookings, t.tickets, t."revenueCents"
            FROM (SELECT venue_id, currency, ${revenueTotals} ${ofOrganization} GROUP BY venue_id, currency ${live}) t
            LEFT JOIN LATERAL (SELECT venue_name, city FROM analytics.event_facts f WHERE f.venue_id = t.venue_id LIMIT 1) v ON true
           ORDER BY t."revenueCents" DESC, t.venue_id, t.currency`,
  },
  'revenue-by-city': {
    columns: ['city', 'currency', 'bookings', 'tickets', 'revenueCents'],
    sql: `SELECT city, currency, ${revenueTotals} ${ofOrganization} GROUP BY city, currency ${live} ORDER BY "revenueCents" DESC, city, currency`,
  },
  'revenue-by-month': {
    columns: ['month', 'currency', 'bookings', 'tickets', 'revenueCents'],
    sql: `SELECT to_char(month, 'YYYY-MM') AS month, currency, ${revenueTotals}
            ${ofOrganization} GROUP BY 1, currency ${live} ORDER BY month, currency`,
  },
  'repeat-customers': {
    columns: ['buyerId', 'bookings', 'tickets', 'firstBookingAt', 'lastBookingAt'],
    sql: `SELECT buyer_id AS "buyerId", bookings, tickets,
                 to_char(first_booking_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "firstBookingAt",
                 to_char(last_booking_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastBookingAt"
            FROM analytics.buyer_sales WHERE organization_id = $1 AND bookings >= 2
           ORDER BY bookings DESC, buyer_id LIMIT $2`,
    ranked: true,
  },
  'top-events': {
    columns: ['eventId', 'title', 'startsAt', 'currency', 'bookings', 'tickets', 'revenueCents'],
    sql: `SELECT t.event_id AS "eventId", f.title, to_char(f.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "startsAt",
                 t.currency, t.bookings, t.tickets, t."revenueCents"
            FROM (SELECT event_id, currency, ${revenueTotals} ${ofOrganization} GROUP BY event_id, currency ${live}
                  ORDER BY "revenueCents" DESC, event_id, currency LIMIT $2) t
            LEFT JOIN analytics.event_facts f ON f.event_id = t.event_id
           ORDER BY t."revenueCents" DESC, t.event_id, t.currency`,
    ranked: true,
  },
};

/**
 * Rebuilds event_month_sales from the per-booking sales (what the stream job
 * keeps it as, one sale at a time): for a store filled some other way, such as
 * the benchmark's generated one.
 */
export async function recountEventMonthSales(pool: Pool): Promise<void> {
  await pool.query('TRUNCATE analytics.event_month_sales');
  await pool.query(
    `INSERT INTO analytics.event_month_sales (organization_id, event_id, currency, month, venue_id, city, bookings, tickets, revenue_cents)
     SELECT organization_id, event_id, currency, confirmed_month, min(venue_id::text)::uuid, min(city), count(*), sum(tickets), sum(amount_cents)
       FROM analytics.sales WHERE organization_id IS NOT NULL AND cancelled_at IS NULL AND confirmed_month IS NOT NULL
      GROUP BY organization_id, event_id, currency, confirmed_month`,
  );
}

/** Most rows of a ranked report (repeat customers, top events). */
export const defaultReportLimit = 100;

export async function runReport(pool: Pool, name: ReportName, organizationId: string, limit = defaultReportLimit): Promise<Report> {
  const { sql, columns, ranked } = queries[name];
  const { rows } = await pool.query<Record<string, string | number | null>>(sql, ranked ? [organizationId, limit] : [organizationId]);
  // bigint sums arrive as strings; amounts in cents fit a double exactly far beyond any real total.
  const numeric = new Set(['bookings', 'tickets', 'revenueCents']);
  return {
    name,
    organizationId,
    columns,
    rows: rows.map((row) => Object.fromEntries(columns.map((c) => [c, numeric.has(c) && row[c] !== null ? Number(row[c]) : (row[c] ?? null)]))),
  };
}
