import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { type BookingHarness, http, seedEvent, startBookingHarness, testToken } from '@ticketing/testing';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('one row locked by an idle session', () => {
  let h: BookingHarness;
  before(async () => {
    // The declared defaults (pool of 10, lock/statement timeouts): what production runs.
    h = await startBookingHarness({ DATABASE_POOL_MAX: '10' });
  });
  after(async () => h.close());

  test('holds on other seats and GA keep succeeding at a normal rate; holds on the locked seat give up fast with 503 + Retry-After', async () => {
    const event = await seedEvent(h.pool, { seats: 200, gaCapacity: 500 });
    const hold = (buyer: string, body: Record<string, unknown>) =>
      http(h.url, 'POST', '/holds', { token: testToken(buyer, 'buyer'), body: { eventId: event.eventId, ...body } });
    // The first hold copies the event into inventory, so the row to lock exists.
    assert.equal((await hold('warm-up', { seatIds: [event.seatIds[199]] })).status, 201);

    // An operator's psql session: locks one seat and stays idle in its transaction.
    // Bounded, unlike a real psql: if something else held the row, the test fails instead of waiting for ever.
    const psql = new pg.Client({ connectionString: h.databaseUrl, statement_timeout: 10_000, query_timeout: 15_000 });
    await psql.connect();
    psql.on('error', () => undefined);
    await psql.query('BEGIN');
    await psql.query('SELECT * FROM booking.seat_inventory WHERE event_id = $1 AND seat_id = $2 FOR UPDATE', [event.eventId, event.seatIds[0]]);
    try {
      const until = Date.now() + 5_000;
      const blocked: { status: number; ms: number; retryAfter: string | null; reason: unknown }[] = [];
      const others: { status: number; ms: number }[] = [];
      let nextSeat = 1;
      // Buyers wanting the locked seat, retrying as Retry-After tells them.
      const victims = Array.from({ length: 5 }, async (_, v) => {
        for (let i = 0; Date.now() < until; i++) {
          const started = Date.now();
          const res = await hold(`victim-${v}-${i}`, { seatIds: [event.seatIds[0]] });
          blocked.push({ status: res.status, ms: Date.now() - started, retryAfter: res.headers.get('retry-after'), reason: res.body?.reason });
          await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
        }
      });
      // Everyone else: seats nobody locked, and general admission.
      const buyers = Array.from({ length: 4 }, async (_, b) => {
        for (let i = 0; Date.now() < until && nextSeat < 199; i++) {
          const started = Date.now();
          const body = i % 4 === 3 ? { generalAdmission: { sectionId: event.gaSectionId, quantity: 1 } } : { seatIds: [event.seatIds[nextSeat++]] };
          const res = await hold(`buyer-${b}-${i}`, body);
          others.push({ status: res.status, ms: Date.now() - started });
        }
      });
      await Promise.all([...victims, ...buyers]);

      assert.ok(others.length >= 40, `only ${others.length} other holds went through in 5 s`);
      assert.deepEqual([...new Set(others.map((r) => r.status))], [201]);
      assert.ok(median(others.map((r) => r.ms)) < 250, `median other hold took ${median(others.map((r) => r.ms))} ms`);

      assert.ok(blocked.length > 0);
      for (const r of blocked) {
        assert.ok(r.status === 503 || r.status === 409, `locked seat answered ${r.status}`);
        assert.equal(r.reason, 'lock_timeout');
        assert.match(r.retryAfter ?? '', /^\d+$/);
        // Each lock attempt gives up after DATABASE_LOCK_TIMEOUT_MS (2 s); one queued behind another waiter may need two.
        assert.ok(r.ms < 5_000, `a request waited ${r.ms} ms for the lock`);
      }
    } finally {
      await psql.query('ROLLBACK').catch(() => undefined);
      await psql.end();
    }
  });
});
