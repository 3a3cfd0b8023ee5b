/**
 * Node-side helpers of the onsale load runs, shared by run.ts, load-hpa.ts and
 * the tests: seed a scenario's event through the catalog API, mint buyer
 * tokens, and the checks after every run: the inventory invariants straight
 * in PostgreSQL and exactly one booking.confirmed message on Kafka per
 * confirmed booking.
 */
import type { Principal } from '@ticketing/platform/auth';
import { assertInventoryInvariants, consumeTopic, type ConsumedMessage } from '@ticketing/testing';
import pg from 'pg';

import { StackError } from '../../scripts/local-stack/errors.js';
import { seedRequests, targetOf, type SeedData, type Target } from '../scenarios.js';

// ---------------------------------------------------------------- seeding and tokens

/** Creates the scenario's venue and on-sale event through the catalog API (as a partner); returns the run's target. */
export async function seedOnsaleEvent(catalogUrl: string, partnerToken: string, data: SeedData): Promise<Target> {
  const { venue, event } = seedRequests(data, crypto.randomUUID().slice(0, 8), Date.now());
  const createdVenue = await postJson(catalogUrl, '/venues', partnerToken, venue);
  const created = await postJson(catalogUrl, '/events', partnerToken, event(createdVenue.id));
  return targetOfEvent(catalogUrl, created.id);
}

/** The target of an existing event: it must be on sale. */
export async function targetOfEvent(catalogUrl: string, eventId: string): Promise<Target> {
  const response = await fetch(`${catalogUrl}/events/${eventId}`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (response.status !== 200) throw new StackError(`GET ${catalogUrl}/events/${eventId} answered ${response.status}: ${text.slice(0, 300)}`);
  const event = JSON.parse(text) as Parameters<typeof targetOf>[0] & { status: string };
  if (event.status !== 'on_sale') throw new StackError(`event ${eventId} is ${event.status}, not on_sale`);
  return targetOf(event);
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
    `SELECT g.section_id FROM booking.ga_sections g
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

export interface KafkaReport {
  bookings: number;
  confirmedMessages: number;
}

/**
 * Every booking of the event (confirmed, or confirmed and cancelled since) has
 * exactly one booking.confirmed message on the bookings topic, and no message
 * names a booking that does not exist. Waits up to `timeoutMs` for the relay.
 */
export async function checkConfirmedOnKafka(
  pool: pg.Pool,
  brokers: string | string[],
  topic: string,
  eventId: string,
  timeoutMs = 30_000,
): Promise<KafkaReport> {
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM booking.bookings WHERE event_id = $1', [eventId]);
  const expected = new Set(rows.map((r) => r.id));
  const confirmedOf = (messages: ConsumedMessage[]) =>
    messages.filter((m) => m.value.type === 'booking.confirmed' && m.key === eventId).map((m) => String(m.value.data['bookingId']));
  const messages = confirmedOf(
    await consumeTopic(brokers, topic, (m) => new Set(confirmedOf(m)).size >= expected.size, expected.size === 0 ? 1000 : timeoutMs),
  );
  const perBooking = new Map<string, number>();
  for (const id of messages) perBooking.set(id, (perBooking.get(id) ?? 0) + 1);
  const problems: string[] = [];
  const missing = [...expected].filter((id) => !perBooking.has(id));
  const twice = [...perBooking].filter(([, n]) => n > 1);
  const unknown = [...perBooking.keys()].filter((id) => !expected.has(id));
  if (missing.length) problems.push(`${missing.length} bookings without a booking.confirmed message on ${topic} (e.g. ${missing[0]})`);
  if (twice.length) problems.push(`${twice.length} bookings confirmed on ${topic} more than once (e.g. ${twice[0]![0]} ×${twice[0]![1]})`);
  if (unknown.length) problems.push(`${unknown.length} booking.confirmed messages for bookings the database does not have (e.g. ${unknown[0]})`);
  if (problems.length > 0) throw new Error(`Kafka invariant broken: ${problems.join('; ')}`);
  return { bookings: expected.size, confirmedMessages: messages.length };
}

/** The lines of the summary that say what the checks after the run found. */
export function formatInvariants(inventory: InventoryReport, kafka: KafkaReport | undefined): string {
  return [
    `database: ${inventory.confirmedBookings} bookings confirmed (${inventory.bookedSeats} seats + ${inventory.bookedGaPlaces} GA places); ` +
      `seats ${JSON.stringify(inventory.seats)}; GA ${inventory.ga.map((g) => `${g.sold} sold + ${g.held} held of ${g.capacity}`).join('; ') || 'none'}`,
    'invariants: no seat sold twice, GA not oversold, counters agree with holds and bookings, every booking has its outbox message',
    kafka
      ? `kafka: ${kafka.confirmedMessages} booking.confirmed messages for ${kafka.bookings} bookings, exactly one each`
      : 'kafka: not checked (no brokers given)',
  ].join('\n');
}
