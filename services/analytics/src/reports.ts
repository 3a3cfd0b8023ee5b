import { withTransaction, type Pool } from '@ticketing/platform';

/**
 * Partner reports over the analytics store (analytics.sales, one row per
 * booking, analytics.event_facts, and analytics.buyer_sales kept with
 * them): live bookings only (a cancelled booking leaves every report),
 * every booking whether or not its message was late for its window. One row
 * per group and currency; amounts in cents. Each query reads its
 * organization's rows from one partial covering index
 * (migrations/001_analytics.sql).
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

/** Bookings, tickets and revenue of each group; `$1` is the organization. */
const revenueTotals = 'count(*)::int AS bookings, sum(tickets)::int AS tickets, sum(amount_cents)::bigint AS "revenueCents"';
const live = 'organization_id = $1 AND cancelled_at IS NULL';

const queries: Record<ReportName, ReportQuery> = {
  'revenue-by-venue': {
    columns: ['venueId', 'venueName', 'city', 'currency', 'bookings', 'tickets', 'revenueCents'],
    sql: `SELECT t.venue_id AS "venueId", v.venue_name AS "venueName", v.city, t.currency, t.bookings, t.tickets, t."revenueCents"
            FROM (SELECT venue_id, currency, ${revenueTotals} FROM analytics.sales WHERE ${live} GROUP BY venue_id, currency) t
            LEFT JOIN LATERAL (SELECT venue_name, city FROM analytics.event_facts f WHERE f.venue_id = t.venue_id LIMIT 1) v ON true
           ORDER BY t."revenueCents" DESC, t.venue_id, t.currency`,
  },
  'revenue-by-city': {
    columns: ['city', 'currency', 'bookings', 'tickets', 'revenueCents'],
    sql: `SELECT city, currency, ${revenueTotals} FROM analytics.sales WHERE ${live} GROUP BY city, currency ORDER BY "revenueCents" DESC, city, currency`,
  },
  'revenue-by-month': {
    columns: ['month', 'currency', 'bookings', 'tickets', 'revenueCents'],
    sql: `SELECT to_char(confirmed_month, 'YYYY-MM') AS month, currency, ${revenueTotals}
            FROM analytics.sales WHERE ${live} GROUP BY confirmed_month, currency ORDER BY month, currency`,
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
            FROM (SELECT event_id, currency, ${revenueTotals} FROM analytics.sales WHERE ${live} GROUP BY event_id, currency
                  ORDER BY "revenueCents" DESC, event_id, currency LIMIT $2) t
            LEFT JOIN analytics.event_facts f ON f.event_id = t.event_id
           ORDER BY t."revenueCents" DESC, t.event_id, t.currency`,
    ranked: true,
  },
};

/** Most rows of a ranked report (repeat customers, top events). */
export const defaultReportLimit = 100;

export async function runReport(pool: Pool, name: ReportName, organizationId: string, limit = defaultReportLimit): Promise<Report> {
  const { sql, columns, ranked } = queries[name];
  const { rows } = await withTransaction(pool, async (tx) => {
    // A report aggregates up to hundreds of thousands of index entries: room to hash and sort in memory,
    // and index reads priced as the SSD-backed store serves them.
    await tx.query("SET LOCAL work_mem = '64MB'; SET LOCAL random_page_cost = 1.1");
    return tx.query<Record<string, string | number | null>>(sql, ranked ? [organizationId, limit] : [organizationId]);
  });
  // bigint sums arrive as strings; amounts in cents fit a double exactly far beyond any real total.
  const numeric = new Set(['bookings', 'tickets', 'revenueCents']);
  return {
    name,
    organizationId,
    columns,
    rows: rows.map((row) => Object.fromEntries(columns.map((c) => [c, numeric.has(c) && row[c] !== null ? Number(row[c]) : (row[c] ?? null)]))),
  };
}
