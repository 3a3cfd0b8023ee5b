/**
 * Node-side helpers of the onsale load test, shared by run.ts and the test:
 * start catalog + booking in-process on a throwaway database, seed an event
 * through the catalog API, run k6 (a k6 you installed; clusters) and check
 * the inventory in PostgreSQL. The autocannon generator (local runs, the
 * default) is in autocannon-onsale.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Principal } from '@ticketing/platform/auth';
import pg from 'pg';

import { StackError } from '../../scripts/local-stack/errors.js';
import { findK6 } from '../../scripts/local-stack/k6.js';
import { runCommand } from '../../scripts/local-stack/commands.js';
import type { OnsaleCounts, OnsaleTarget } from './autocannon-onsale.js';
import { assertInventoryInvariants } from '@ticketing/testing';

export const onsaleScript = resolve(import.meta.dirname, '..', 'onsale.ts');

// ---------------------------------------------------------------- seeding and tokens

export interface SeedOptions {
  /** Seated places, laid out in rows of 25. @default 500 */
  seats?: number;
  /** General-admission places. @default 300 */
  gaCapacity?: number;
  city?: string;
}

/** Creates a venue and an on-sale event through the catalog API (as a partner); returns the event id. */
export async function seedOnsaleEvent(
  catalogUrl: string,
  partnerToken: string,
  options: SeedOptions = {},
): Promise<{ eventId: string; venueId: string; seats: number; gaCapacity: number }> {
  const seats = options.seats ?? 500;
  const gaCapacity = options.gaCapacity ?? 300;
  const perRow = 25;
  const rows = Array.from({ length: Math.ceil(seats / perRow) }, (_, i) => ({
    row: rowLabel(i),
    seats: Math.min(perRow, seats - i * perRow),
  }));
  const stamp = new Date().toISOString();
  const venue = await postJson(catalogUrl, '/venues', partnerToken, {
    name: `Onsale Arena ${stamp}`,
    city: options.city ?? 'Loadville',
    sections: [
      ...(seats > 0 ? [{ name: 'Stalls', kind: 'seated', category: 'standard', rows }] : []),
      ...(gaCapacity > 0 ? [{ name: 'Floor', kind: 'general_admission', category: 'floor', capacity: gaCapacity }] : []),
    ],
  });
  const startsAt = new Date(Date.now() + 30 * 24 * 3600 * 1000);
  startsAt.setUTCMinutes(0, 0, 0);
  const event = await postJson(catalogUrl, '/events', partnerToken, {
    venueId: venue.id,
    title: `Onsale load test ${stamp}`,
    description: 'Created by load-testing/run.ts',
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 3 * 3600 * 1000).toISOString(),
    priceTiers: [
      ...(seats > 0 ? [{ category: 'standard', priceCents: 4500, currency: 'EUR' }] : []),
      ...(gaCapacity > 0 ? [{ category: 'floor', priceCents: 2500, currency: 'EUR' }] : []),
    ],
  });
  return { eventId: event.id, venueId: venue.id, seats, gaCapacity };
}

/** A, B, …, Z, AA, AB, … */
function rowLabel(index: number): string {
  let label = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) label = String.fromCharCode(65 + ((n - 1) % 26)) + label;
  return label;
}

async function postJson(baseUrl: string, path: string, token: string, body: unknown): Promise<{ id: string }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (response.status !== 201) throw new StackError(`POST ${baseUrl}${path} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as { id: string };
}

/** Signs a token the target accepts: the in-process test issuer, or the target's users signing key. */
export type TokenMint = (principal: Principal, ttlSeconds: number) => string | Promise<string>;

/** `count` buyer tokens (distinct buyers), valid `ttlSeconds`. */
export function mintBuyerTokens(mint: TokenMint, count: number, ttlSeconds = 3 * 3600): Promise<string[]> {
  const run = crypto.randomUUID().slice(0, 8);
  return Promise.all(Array.from({ length: count }, async (_, i) => mint({ sub: `load-${run}-buyer-${i + 1}`, role: 'buyer' }, ttlSeconds)));
}

export async function mintPartnerToken(mint: TokenMint): Promise<string> {
  return mint({ sub: 'load-test-partner', role: 'partner', org: 'load-test-organization' }, 3600);
}

// ---------------------------------------------------------------- k6

export type K6Target = OnsaleTarget;

export interface K6Run {
  code: number;
  /** k6's end-of-test summary (--summary-export), if it got that far. */
  summary: K6Summary | undefined;
  output: string;
}

/** The parts of k6's --summary-export JSON we read. */
export interface K6Summary {
  metrics: Record<
    string,
    { count?: number; rate?: number; value?: number; passes?: number; fails?: number; 'p(95)'?: number; thresholds?: Record<string, boolean> }
  >;
}

/**
 * Runs load-testing/onsale.ts with the k6 you installed (K6_BINARY, or k6 on
 * PATH; a StackError says how to get it otherwise). Stops it (SIGINT, then
 * SIGKILL) after `timeoutMs`. Output goes to our stderr when `echo` is set.
 */
export async function runK6(target: K6Target, options: { scenario: string; env?: Record<string, string>; timeoutMs: number; echo?: boolean }): Promise<K6Run> {
  const k6 = findK6();
  const dir = mkdtempSync(join(tmpdir(), 'k6-onsale-'));
  const summaryFile = join(dir, 'summary.json');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CATALOG_URL: target.catalogUrl,
    BUYER_TOKENS: target.buyerTokens.join(','),
    BOOKING_URL: target.bookingUrl,
    EVENT_ID: target.eventId,
    SCENARIO: options.scenario,
    K6_NO_USAGE_REPORT: 'true',
    ...options.env,
  };
  try {
    // k6 reads the env itself (`__ENV`); -e would put tokens on the command line.
    const { code, output } = await runCommand(k6, ['run', '--quiet', '--include-system-env-vars', '--summary-export', summaryFile, onsaleScript], {
      env,
      showOutput: options.echo,
      timeoutMs: options.timeoutMs,
      // Ctrl-C on the runner stops k6 too.
      detached: false,
    });
    let summary: K6Summary | undefined;
    try {
      summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as K6Summary;
    } catch {
      summary = undefined;
    }
    return { code, summary, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A counter's total in a k6 summary (0 when k6 never recorded it). */
export function counter(summary: K6Summary | undefined, name: string): number {
  return summary?.metrics[name]?.count ?? 0;
}

/** k6's summary in the generator-neutral shape the report and checks use. */
export function k6Counts(run: K6Run): OnsaleCounts {
  const m = run.summary?.metrics ?? {};
  const requests = counter(run.summary, 'http_reqs');
  return {
    requests,
    requestsPerSecond: m['http_reqs']?.rate ?? 0,
    durationSeconds: requests / Math.max(m['http_reqs']?.rate ?? 1, 0.001),
    statusCounts: {},
    unexpected: Math.round((m['http_req_failed']?.value ?? 0) * requests),
    http5xx: counter(run.summary, 'http_5xx'),
    http429: counter(run.summary, 'http_429'),
    errors: 0,
    holdP95Ms: m['http_req_duration{name:POST /holds}']?.['p(95)'],
    bookingP97_5Ms: undefined,
    holdAttempts: counter(run.summary, 'hold_outcomes'),
    holdsCreated: counter(run.summary, 'holds_created'),
    bookingsConfirmed: counter(run.summary, 'bookings_confirmed'),
    seatsBooked: counter(run.summary, 'seats_booked'),
    gaPlacesBooked: counter(run.summary, 'ga_places_booked'),
    paymentsDeclined: counter(run.summary, 'payments_declined'),
    holdsReleased: counter(run.summary, 'holds_released'),
    soldOutFlows: counter(run.summary, 'sold_out_iterations'),
    // k6 lets iterations finish (gracefulStop) before it stops.
    cutOff: 0,
  };
}

// ---------------------------------------------------------------- invariants

export interface InventoryReport {
  seats: Record<string, number>;
  ga: { capacity: number; held: number; sold: number }[];
  confirmedBookings: number;
  bookedSeats: number;
  bookedGaPlaces: number;
  holdsByStatus: Record<string, number>;
  outboxByType: Record<string, number>;
}

/**
 * Checks, straight in PostgreSQL, that the onsale kept the inventory right:
 * no seat in two live bookings, GA never oversold, seat and GA counters agree
 * with holds and bookings (the booking tests' invariants), and every confirmed
 * booking wrote its booking.confirmed outbox message. Throws on a violation.
 */
export async function checkInventory(pool: pg.Pool, eventId: string): Promise<InventoryReport> {
  const { seats, ga } = await assertInventoryInvariants(pool, eventId);
  const problems: string[] = [];
  const doubleSold = await pool.query<{ seat_id: string; n: number }>(
    `SELECT seat_id, count(*)::int AS n FROM booking.booking_seats bs JOIN booking.bookings b ON b.id = bs.booking_id
      WHERE bs.event_id = $1 AND b.status = 'confirmed' GROUP BY seat_id HAVING count(*) > 1`,
    [eventId],
  );
  if (doubleSold.rowCount) problems.push(`${doubleSold.rowCount} seats sold twice (e.g. ${doubleSold.rows[0]!.seat_id} ×${doubleSold.rows[0]!.n})`);
  const gaOversold = await pool.query(
    `SELECT g.section_id FROM booking.ga_inventory g
      WHERE g.event_id = $1 AND g.capacity < (SELECT COALESCE(sum(b.ga_quantity), 0) FROM booking.bookings b
                                              WHERE b.event_id = g.event_id AND b.ga_section_id = g.section_id AND b.status = 'confirmed')`,
    [eventId],
  );
  if (gaOversold.rowCount) problems.push(`GA oversold in ${gaOversold.rowCount} section(s)`);
  const missingOutbox = await pool.query<{ reference: string }>(
    `SELECT b.reference FROM booking.bookings b
      WHERE b.event_id = $1 AND b.status = 'confirmed'
        AND NOT EXISTS (SELECT 1 FROM booking.outbox o WHERE o.type = 'booking.confirmed' AND o.payload->'data'->>'bookingId' = b.id::text)`,
    [eventId],
  );
  if (missingOutbox.rowCount)
    problems.push(`${missingOutbox.rowCount} confirmed bookings without a booking.confirmed outbox message (e.g. ${missingOutbox.rows[0]!.reference})`);
  if (problems.length > 0) throw new Error(`inventory invariant broken: ${problems.join('; ')}`);

  const totals = await pool.query<{ bookings: number; seats: number; ga: number }>(
    `SELECT count(*)::int AS bookings,
            COALESCE((SELECT count(*) FROM booking.booking_seats bs JOIN booking.bookings b2 ON b2.id = bs.booking_id WHERE b2.event_id = $1 AND b2.status = 'confirmed'), 0)::int AS seats,
            COALESCE(sum(ga_quantity), 0)::int AS ga
       FROM booking.bookings WHERE event_id = $1 AND status = 'confirmed'`,
    [eventId],
  );
  const holds = await pool.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM booking.holds WHERE event_id = $1 GROUP BY status', [
    eventId,
  ]);
  const outbox = await pool.query<{ type: string; n: number }>('SELECT type, count(*)::int AS n FROM booking.outbox WHERE message_key = $1 GROUP BY type', [
    eventId,
  ]);
  const row = totals.rows[0]!;
  return {
    seats,
    ga,
    confirmedBookings: row.bookings,
    bookedSeats: row.seats,
    bookedGaPlaces: row.ga,
    holdsByStatus: Object.fromEntries(holds.rows.map((r) => [r.status, r.n])),
    outboxByType: Object.fromEntries(outbox.rows.map((r) => [r.type, r.n])),
  };
}

/** One human-readable block: what the load generator counted and what the database holds. */
export function formatReport(generator: string, counts: OnsaleCounts, inventory: InventoryReport | undefined, exitCode?: number): string {
  const ms = (value: number | undefined): string => (value === undefined ? 'n/a' : `${value.toFixed(1)} ms`);
  const statuses = Object.entries(counts.statusCounts)
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
  const lines = [
    ...(exitCode === undefined
      ? []
      : [
          `${generator} exit code${' '.repeat(Math.max(1, 13 - generator.length))}${exitCode}${generator === 'k6' && exitCode === 99 ? ' (thresholds crossed)' : ''}`,
        ]),
    `requests              ${counts.requests} in ${counts.durationSeconds.toFixed(1)} s (${counts.requestsPerSecond.toFixed(1)}/s)${statuses ? `: ${statuses}` : ''}`,
    `unexpected            ${counts.unexpected} unexpected statuses, ${counts.http5xx} 5xx, ${counts.http429} 429, ${counts.errors} connection errors/timeouts`,
    `latency               holds p95 ${ms(counts.holdP95Ms)}${counts.bookingP97_5Ms === undefined ? '' : `, booking p97.5 ${ms(counts.bookingP97_5Ms)}`}`,
    `holds                 ${counts.holdsCreated} created of ${counts.holdAttempts} tried (the rest 409: seats taken / not enough places)`,
    `bookings (${generator})${' '.repeat(Math.max(1, 11 - generator.length))}${counts.bookingsConfirmed} confirmed (${counts.seatsBooked} seats + ${counts.gaPlacesBooked} GA places), ${counts.paymentsDeclined} declined, ${counts.holdsReleased} released, ${counts.soldOutFlows} sold-out looks`,
    ...(counts.cutOff > 0
      ? [`cut off               ${counts.cutOff} checkouts/releases unanswered at the time limit (the database may hold up to that many more)`]
      : []),
  ];
  if (inventory) {
    lines.push(
      `bookings (database)   ${inventory.confirmedBookings} confirmed: ${inventory.bookedSeats} seats + ${inventory.bookedGaPlaces} GA places`,
      `seat inventory        ${JSON.stringify(inventory.seats)}`,
      `GA inventory          ${inventory.ga.map((g) => `${g.sold} sold + ${g.held} held of ${g.capacity}`).join('; ')}`,
      `holds                 ${JSON.stringify(inventory.holdsByStatus)}`,
      `outbox                ${JSON.stringify(inventory.outboxByType)}`,
      'invariants            OK: no seat sold twice, GA not oversold, every booking has its booking.confirmed message',
    );
  }
  return lines.join('\n');
}
