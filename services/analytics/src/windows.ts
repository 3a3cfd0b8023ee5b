import type { Pool, Tx } from '@ticketing/platform';
import { schemaVersion, type WindowResult } from './results-schema.js';

/**
 * Sales windows: 1-minute tumbling windows per event on event time. A
 * message belongs to the window holding its occurredAt. Each partition has a
 * watermark (the latest occurredAt read on it); a message whose window ended
 * before the watermark is late, and still counts while the watermark is less
 * than windowEnd + the allowed lateness; past that it is too late and only
 * adds to the window's tooLateMessages. Every change to a window is a new
 * revision (1, 2, 3 …), published on analytics-results.
 */
export const windowMs = 60_000;

/** What one message adds to its window. */
export interface WindowDelta {
  ticketsSold: number;
  ticketsCancelled: number;
  cancellations: number;
  holdsCreated: number;
  holdsConverted: number;
  /** currency → cents */
  revenue: Record<string, number>;
  refunds: Record<string, number>;
  lateMessages: number;
  tooLateMessages: number;
}

export const emptyDelta: WindowDelta = {
  ticketsSold: 0,
  ticketsCancelled: 0,
  cancellations: 0,
  holdsCreated: 0,
  holdsConverted: 0,
  revenue: {},
  refunds: {},
  lateMessages: 0,
  tooLateMessages: 0,
};

export type Lateness = 'on_time' | 'late' | 'too_late';

export function windowStartOf(occurredAt: Date): Date {
  return new Date(Math.floor(occurredAt.getTime() / windowMs) * windowMs);
}

/** How late a message of `occurredAt` is on a partition whose watermark was `watermark` before it. */
export function latenessOf(occurredAt: Date, watermark: Date | undefined, allowedLatenessMs: number): Lateness {
  const windowEnd = windowStartOf(occurredAt).getTime() + windowMs;
  if (watermark === undefined || watermark.getTime() < windowEnd) return 'on_time';
  return watermark.getTime() < windowEnd + allowedLatenessMs ? 'late' : 'too_late';
}

interface WindowRow {
  event_id: string;
  window_start: Date;
  revision: number;
  tickets_sold: number;
  tickets_cancelled: number;
  cancellations: number;
  holds_created: number;
  holds_converted: number;
  revenue: Record<string, number | string>;
  refunds: Record<string, number | string>;
  late_messages: number;
  too_late_messages: number;
  watermark: Date;
}

const centsOf = (value: Record<string, number | string>) => Object.fromEntries(Object.entries(value).map(([currency, cents]) => [currency, Number(cents)]));

function resultOf(row: WindowRow): WindowResult {
  const windowStart = row.window_start.toISOString();
  return {
    id: `${row.event_id}/${windowStart}/${row.revision}`,
    type: 'sales.window',
    schemaVersion,
    eventId: row.event_id,
    windowStart,
    windowEnd: new Date(row.window_start.getTime() + windowMs).toISOString(),
    revision: row.revision,
    ticketsSold: row.tickets_sold,
    ticketsCancelled: row.tickets_cancelled,
    cancellations: row.cancellations,
    holdsCreated: row.holds_created,
    holdsConverted: row.holds_converted,
    revenue: centsOf(row.revenue),
    refunds: centsOf(row.refunds),
    lateMessages: row.late_messages,
    tooLateMessages: row.too_late_messages,
    watermark: row.watermark.toISOString(),
  };
}

/** Adds `delta` to the window of `eventId` starting at `windowStart` as its next revision; returns that revision. */
export async function addToWindow(tx: Tx, eventId: string, windowStart: Date, delta: WindowDelta, watermark: Date): Promise<WindowResult> {
  const { rows } = await tx.query<WindowRow>(
    `INSERT INTO analytics.sales_windows AS w (event_id, window_start, revision, tickets_sold, tickets_cancelled, cancellations, holds_created,
                                              holds_converted, revenue, refunds, late_messages, too_late_messages, watermark)
     VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11, $12)
     ON CONFLICT (event_id, window_start) DO UPDATE SET
       revision = w.revision + 1,
       tickets_sold = w.tickets_sold + EXCLUDED.tickets_sold,
       tickets_cancelled = w.tickets_cancelled + EXCLUDED.tickets_cancelled,
       cancellations = w.cancellations + EXCLUDED.cancellations,
       holds_created = w.holds_created + EXCLUDED.holds_created,
       holds_converted = w.holds_converted + EXCLUDED.holds_converted,
       revenue = analytics.add_cents(w.revenue, EXCLUDED.revenue),
       refunds = analytics.add_cents(w.refunds, EXCLUDED.refunds),
       late_messages = w.late_messages + EXCLUDED.late_messages,
       too_late_messages = w.too_late_messages + EXCLUDED.too_late_messages,
       watermark = EXCLUDED.watermark
     RETURNING *`,
    [
      eventId,
      windowStart,
      delta.ticketsSold,
      delta.ticketsCancelled,
      delta.cancellations,
      delta.holdsCreated,
      delta.holdsConverted,
      JSON.stringify(delta.revenue),
      JSON.stringify(delta.refunds),
      delta.lateMessages,
      delta.tooLateMessages,
      watermark,
    ],
  );
  return resultOf(rows[0]!);
}

/** The current revision of each window of `eventId` in [from, to), oldest first, at most `limit`. */
export async function listWindows(db: Pool | Tx, eventId: string, range: { from?: Date; to?: Date; limit: number }): Promise<WindowResult[]> {
  const { rows } = await db.query<WindowRow>(
    `SELECT * FROM (SELECT * FROM analytics.sales_windows
                     WHERE event_id = $1 AND ($2::timestamptz IS NULL OR window_start >= $2) AND ($3::timestamptz IS NULL OR window_start < $3)
                     ORDER BY window_start DESC LIMIT $4) latest
      ORDER BY window_start`,
    [eventId, range.from ?? null, range.to ?? null, range.limit],
  );
  return rows.map(resultOf);
}

/** The sum of every window of an event (late and too-late counts included). */
export interface EventTotals extends WindowDelta {
  eventId: string;
  windows: number;
  firstWindowStart: string | null;
  lastWindowStart: string | null;
}

/** The sum of every window of `eventId`. */
export async function eventTotals(db: Pool | Tx, eventId: string): Promise<EventTotals> {
  const { rows } = await db.query<{
    windows: string;
    tickets_sold: string;
    tickets_cancelled: string;
    cancellations: string;
    holds_created: string;
    holds_converted: string;
    revenue: Record<string, string>;
    refunds: Record<string, string>;
    late_messages: string;
    too_late_messages: string;
    first_window: Date | null;
    last_window: Date | null;
  }>(
    `SELECT count(*) AS windows, coalesce(sum(tickets_sold), 0) AS tickets_sold, coalesce(sum(tickets_cancelled), 0) AS tickets_cancelled,
            coalesce(sum(cancellations), 0) AS cancellations, coalesce(sum(holds_created), 0) AS holds_created,
            coalesce(sum(holds_converted), 0) AS holds_converted, coalesce(sum(late_messages), 0) AS late_messages,
            coalesce(sum(too_late_messages), 0) AS too_late_messages, min(window_start) AS first_window, max(window_start) AS last_window,
            (SELECT coalesce(jsonb_object_agg(key, total), '{}') FROM (SELECT key, sum(value::bigint) AS total
               FROM analytics.sales_windows, jsonb_each_text(revenue) WHERE event_id = $1 GROUP BY key) r) AS revenue,
            (SELECT coalesce(jsonb_object_agg(key, total), '{}') FROM (SELECT key, sum(value::bigint) AS total
               FROM analytics.sales_windows, jsonb_each_text(refunds) WHERE event_id = $1 GROUP BY key) r) AS refunds
       FROM analytics.sales_windows WHERE event_id = $1`,
    [eventId],
  );
  const r = rows[0]!;
  return {
    eventId,
    windows: Number(r.windows),
    ticketsSold: Number(r.tickets_sold),
    ticketsCancelled: Number(r.tickets_cancelled),
    cancellations: Number(r.cancellations),
    holdsCreated: Number(r.holds_created),
    holdsConverted: Number(r.holds_converted),
    revenue: centsOf(r.revenue),
    refunds: centsOf(r.refunds),
    lateMessages: Number(r.late_messages),
    tooLateMessages: Number(r.too_late_messages),
    firstWindowStart: r.first_window?.toISOString() ?? null,
    lastWindowStart: r.last_window?.toISOString() ?? null,
  };
}
