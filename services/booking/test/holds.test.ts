import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { holdDeps } from '../src/app.js';
import { sweepOnce } from '../src/sweeper.js';
import { validateMessage } from './support.js';
import {
  assertInventoryInvariants,
  type BookingHarness,
  http,
  httpUntilAnswered,
  lapseHolds,
  migrateSchemasBookingReads,
  onEveryQuery,
  seedEvent,
  startBookingHarness,
  testToken,
  waitUntil,
} from '@ticketing/testing';

describe('holds on real PostgreSQL', () => {
  let h: BookingHarness;
  before(async () => {
    // Long enough that only the holds a test ages on purpose lapse.
    h = await startBookingHarness({ HOLD_TTL_SECONDS: '60', DATABASE_POOL_MAX: '20' });
  });
  after(async () => h.close());

  test('a hold and its hold.created message are written together and agree: expiry, amount, places', async () => {
    const event = await seedEvent(h.pool, { seats: 2, priceCents: 4000, gaCapacity: 10 });
    const buyer = testToken('agreeing', 'buyer');
    const seated = await http(h.url, 'POST', '/holds', { token: buyer, body: { eventId: event.eventId, seatIds: event.seatIds } });
    const ga = await http(h.url, 'POST', '/holds', {
      token: buyer,
      body: { eventId: event.eventId, generalAdmission: { sectionId: event.gaSectionId, quantity: 3 } },
    });
    for (const [hold, seatIds, generalAdmission] of [
      [seated.body, [...event.seatIds].sort(), null],
      [ga.body, [], { sectionId: event.gaSectionId, quantity: 3 }],
    ] as const) {
      const { rows } = await h.pool.query(`SELECT payload FROM booking.outbox WHERE type = 'hold.created' AND payload->'data'->>'holdId' = $1`, [hold.id]);
      assert.equal(rows.length, 1);
      assert.ok(validateMessage(rows[0].payload), JSON.stringify(validateMessage.errors));
      const message = rows[0].payload as { data: Record<string, any> };
      assert.equal(message.data.expiresAt, hold.expiresAt);
      assert.deepEqual(message.data.amount, hold.amount);
      assert.deepEqual([...message.data.seatIds].sort(), seatIds);
      assert.deepEqual(message.data.generalAdmission, generalAdmission);
      assert.equal(message.data.buyerId, 'agreeing');
    }
    assert.equal(seated.body.amount.cents, 8000);
  });

  test('before the waiting room has migrated its schema no event has a room: a hold needs no pass', async () => {
    const event = await seedEvent(h.pool, { seats: 1 });
    // As on a fresh install where booking starts before the waiting room: its table is not there (42P01).
    await h.pool.query('DROP SCHEMA waiting_room CASCADE');
    try {
      const hold = await http(h.url, 'POST', '/holds', { token: testToken('early', 'buyer'), body: { eventId: event.eventId, seatIds: event.seatIds } });
      assert.equal(hold.status, 201, JSON.stringify(hold.body));
    } finally {
      await migrateSchemasBookingReads(h.pool);
    }
  });

  test('500 concurrent holds on 50 seats: exactly 50 succeed, the rest get 409 with a reason', async () => {
    const event = await seedEvent(h.pool, { seats: 50 });
    const attempts = Array.from({ length: 500 }, (_, i) => ({ buyer: `buyer-${i}`, seat: event.seatIds[i % 50]! }));
    const results = await Promise.all(
      attempts.map(({ buyer, seat }) =>
        httpUntilAnswered(h.url, 'POST', '/holds', { token: testToken(buyer, 'buyer'), body: { eventId: event.eventId, seatIds: [seat] } }),
      ),
    );
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 201).length, 50, `statuses: ${JSON.stringify(countBy(statuses))}`);
    assert.equal(statuses.filter((s) => s === 409).length, 450);
    for (const conflict of results.filter((r) => r.status === 409)) {
      assert.equal(conflict.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.match(conflict.body.type, /seats-unavailable/);
      assert.equal(conflict.body.unavailableSeatIds.length, 1);
    }
    const heldSeats = results.filter((r) => r.status === 201).flatMap((r) => r.body.seatIds as string[]);
    assert.equal(new Set(heldSeats).size, 50, 'every seat held exactly once');
    const inventory = await assertInventoryInvariants(h.pool, event.eventId);
    assert.deepEqual(inventory.seats, { held: 50 });
  });

  test('overlapping multi-seat holds never deadlock and never share a seat', async () => {
    const event = await seedEvent(h.pool, { seats: 20 });
    const requests = Array.from({ length: 60 }, (_, i) => {
      const start = i % 18;
      // Overlapping windows in both orders: the lock order must prevent deadlocks.
      const seats = [event.seatIds[start]!, event.seatIds[start + 1]!, event.seatIds[start + 2]!];
      return i % 2 ? seats.reverse() : seats;
    });
    const results = await Promise.all(
      requests.map((seatIds, i) => http(h.url, 'POST', '/holds', { token: testToken(`m-${i}`, 'buyer'), body: { eventId: event.eventId, seatIds } })),
    );
    assert.ok(
      results.every((r) => r.status === 201 || r.status === 409),
      JSON.stringify(countBy(results.map((r) => r.status))),
    );
    const held = results.filter((r) => r.status === 201).flatMap((r) => r.body.seatIds as string[]);
    assert.equal(new Set(held).size, held.length);
    await assertInventoryInvariants(h.pool, event.eventId);
  });

  test('general admission: concurrent holds never exceed capacity', async () => {
    const event = await seedEvent(h.pool, { seats: 1, gaCapacity: 30 });
    // All 40 queue on the section's one counter row: on a busy machine some give up on the lock (503 + Retry-After) and retry, as clients do.
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        httpUntilAnswered(h.url, 'POST', '/holds', {
          token: testToken(`ga-${i}`, 'buyer'),
          body: { eventId: event.eventId, generalAdmission: { sectionId: event.gaSectionId, quantity: 2 } },
        }),
      ),
    );
    assert.equal(results.filter((r) => r.status === 201).length, 15);
    const rejected = results.filter((r) => r.status === 409);
    assert.equal(rejected.length, 25);
    assert.match(rejected[0]!.body.type, /not-enough-places/);
    const inventory = await assertInventoryInvariants(h.pool, event.eventId);
    assert.deepEqual(
      inventory.ga.map((g) => [g.held, g.sold]),
      [[30, 0]],
    );
  });

  test('general admission in slices: a 200-place section starts as 4 slices; 60 concurrent holds of 4 take all 200 places and no more', async () => {
    const event = await seedEvent(h.pool, { seats: 1, gaCapacity: 200 });
    // Claiming the first seat copies the event's inventory, slices included.
    assert.equal(
      (await http(h.url, 'POST', '/holds', { token: testToken('first', 'buyer'), body: { eventId: event.eventId, seatIds: event.seatIds } })).status,
      201,
    );
    const slices = async () =>
      (
        await h.pool.query<{ slice: number; capacity: number; held: number }>(
          'SELECT slice, capacity, held FROM booking.ga_inventory WHERE event_id = $1 ORDER BY slice',
          [event.eventId],
        )
      ).rows;
    assert.deepEqual(
      (await slices()).map((s) => [s.slice, s.capacity, s.held]),
      [
        [0, 50, 0],
        [1, 50, 0],
        [2, 50, 0],
        [3, 50, 0],
      ],
    );
    const deadlocks = async () =>
      (await h.pool.query<{ n: number }>('SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()')).rows[0]!.n;
    const deadlocksBefore = await deadlocks();
    // 50 does not divide by 4: once each slice is down to 2 places, a hold of 4 fits in none alone and takes capacity from another.
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        httpUntilAnswered(h.url, 'POST', '/holds', {
          token: testToken(`sliced-${i}`, 'buyer'),
          body: { eventId: event.eventId, generalAdmission: { sectionId: event.gaSectionId, quantity: 4 } },
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    const others = JSON.stringify(results.filter((r) => r.status !== 201 && r.status !== 409).map((r) => r.body));
    assert.equal(statuses.filter((s) => s === 201).length, 50, `statuses: ${JSON.stringify(countBy(statuses))}; ${others}`);
    assert.equal(statuses.filter((s) => s === 409).length, 10, `statuses: ${JSON.stringify(countBy(statuses))}; ${others}`);
    // Near the end most holds take the path that moves capacity between slices; none of them deadlocked.
    // (A backend reports its deadlocks to these statistics within a second or so: one in the last moment can be missed, never invented.)
    assert.equal(await deadlocks(), deadlocksBefore, 'PostgreSQL detected no deadlock');
    const inventory = await assertInventoryInvariants(h.pool, event.eventId);
    assert.deepEqual(inventory.ga, [{ capacity: 200, held: 200, sold: 0 }]);
    const after = await slices();
    assert.equal(
      after.reduce((sum, s) => sum + s.capacity, 0),
      200,
    );
    for (const s of after) assert.equal(s.held, s.capacity, `slice ${s.slice} is full`);
    const spread = await h.pool.query('SELECT DISTINCT ga_slice FROM booking.holds WHERE event_id = $1 AND ga_section_id IS NOT NULL', [event.eventId]);
    assert.ok(spread.rowCount! > 1, 'the holds spread over the slices');
    const availability = await http(h.url, 'GET', `/events/${event.eventId}/availability`);
    assert.deepEqual(
      availability.body.generalAdmission.map((g: { capacity: number; available: number }) => [g.capacity, g.available]),
      [[200, 0]],
    );
  });

  test('general admission in slices: a hold takes a slice nobody has locked without waiting; with every slice locked it waits for one', async () => {
    const event = await seedEvent(h.pool, { seats: 1, gaCapacity: 200 }); // 4 slices
    const holdGa = (buyer: string) =>
      http(h.url, 'POST', '/holds', {
        token: testToken(buyer, 'buyer'),
        body: { eventId: event.eventId, generalAdmission: { sectionId: event.gaSectionId, quantity: 2 } },
      });
    assert.equal((await holdGa('copier')).status, 201); // copies the inventory
    const blocker = await h.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM booking.ga_inventory WHERE event_id = $1 AND slice < 3 FOR UPDATE', [event.eventId]);
      // Answered while the blocker still holds slices 0-2: it neither waited for them nor locked them.
      const free = await holdGa('unblocked');
      assert.equal(free.status, 201, JSON.stringify(free.body));
      assert.equal((await h.pool.query('SELECT ga_slice FROM booking.holds WHERE id = $1', [free.body.id])).rows[0].ga_slice, 3);
      // The blocker changes every slice, so after its wait the claim reads their newest versions.
      await blocker.query('UPDATE booking.ga_inventory SET held = held WHERE event_id = $1', [event.eventId]);
      const { rows: self } = await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      let fellBack = false;
      const stopWatching = onEveryQuery(([text]) => {
        if (text === 'ROLLBACK TO SAVEPOINT ga_claim') fellBack = true;
      });
      const waiting = holdGa('waiting');
      const waiter = await waitUntil('the hold waits for a slice', async () => {
        const { rows } = await h.pool.query<{ query: string }>('SELECT query FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [self[0]!.pid]);
        return rows[0];
      });
      assert.match(waiter.query, /WITH unlocked AS/, 'it waits in its claim, not in the path that locks the whole section');
      await blocker.query('COMMIT');
      assert.equal((await waiting).status, 201);
      stopWatching();
      assert.equal(fellBack, false, 'the claim that waited took its slice itself, without the path that locks the whole section');
    } finally {
      await blocker.query('ROLLBACK').catch(() => {});
      blocker.release();
    }
    const inventory = await assertInventoryInvariants(h.pool, event.eventId);
    assert.deepEqual(inventory.ga, [{ capacity: 200, held: 6, sold: 0 }]);
  });

  test("an expired hold's seats can be taken at once, before any sweeper runs", async () => {
    const event = await seedEvent(h.pool, { seats: 2 });
    const first = await http(h.url, 'POST', '/holds', { token: testToken('early', 'buyer'), body: { eventId: event.eventId, seatIds: event.seatIds } });
    assert.equal(first.status, 201);
    const blocked = await http(h.url, 'POST', '/holds', { token: testToken('late', 'buyer'), body: { eventId: event.eventId, seatIds: [event.seatIds[0]] } });
    assert.equal(blocked.status, 409);
    // Age the hold instead of sleeping: move its expiry into the past.
    await lapseHolds(h.pool, { holdId: first.body.id });
    const availability = await http(h.url, 'GET', `/events/${event.eventId}/availability`);
    assert.deepEqual(
      availability.body.seats.map((s: { status: string }) => s.status),
      ['available', 'available'],
    );
    const second = await http(h.url, 'POST', '/holds', { token: testToken('late', 'buyer'), body: { eventId: event.eventId, seatIds: [event.seatIds[0]] } });
    assert.equal(second.status, 201, JSON.stringify(second.body));
    const old = await http(h.url, 'GET', `/holds/${first.body.id}`, { token: testToken('early', 'buyer') });
    assert.equal(old.body.status, 'expired');
    const messages = await h.pool.query(`SELECT type FROM booking.outbox WHERE message_key = $1 ORDER BY id`, [event.eventId]);
    assert.deepEqual(
      messages.rows.map((r) => r.type),
      ['hold.created', 'hold.expired', 'hold.created'],
    );
    // The sweeper frees the seat the first hold left behind; that hold is already expired.
    assert.equal(await sweepNow(h), 0);
    const seats = await h.pool.query(`SELECT status FROM booking.seat_inventory WHERE event_id = $1 ORDER BY seat_id`, [event.eventId]);
    assert.deepEqual(seats.rows.map((r) => r.status).sort(), ['available', 'held']);
    await assertInventoryInvariants(h.pool, event.eventId);
  });

  test('the sweeper expires lapsed holds, frees their inventory and emits hold.expired', async () => {
    const event = await seedEvent(h.pool, { seats: 3, gaCapacity: 5 });
    const seated = await http(h.url, 'POST', '/holds', { token: testToken('s1', 'buyer'), body: { eventId: event.eventId, seatIds: event.seatIds } });
    const ga = await http(h.url, 'POST', '/holds', {
      token: testToken('s2', 'buyer'),
      body: { eventId: event.eventId, generalAdmission: { sectionId: event.gaSectionId, quantity: 5 } },
    });
    assert.equal(seated.status, 201);
    assert.equal(ga.status, 201);
    await lapseHolds(h.pool, { eventId: event.eventId });
    assert.equal(await sweepNow(h), 2);
    const inventory = await assertInventoryInvariants(h.pool, event.eventId);
    assert.deepEqual(inventory.seats, { available: 3 });
    assert.deepEqual(
      inventory.ga.map((g) => g.held),
      [0],
    );
    const expired = await h.pool.query(`SELECT count(*)::int AS n FROM booking.outbox WHERE message_key = $1 AND type = 'hold.expired'`, [event.eventId]);
    assert.equal(expired.rows[0].n, 2);
  });

  test('a buyer releases a hold; seats are back on sale at once', async () => {
    const event = await seedEvent(h.pool, { seats: 1 });
    const hold = await http(h.url, 'POST', '/holds', { token: testToken('r1', 'buyer'), body: { eventId: event.eventId, seatIds: event.seatIds } });
    const other = await http(h.url, 'DELETE', `/holds/${hold.body.id}`, { token: testToken('someone-else', 'buyer') });
    assert.equal(other.status, 404, 'another buyer cannot see or release it');
    const released = await http(h.url, 'DELETE', `/holds/${hold.body.id}`, { token: testToken('r1', 'buyer') });
    assert.equal(released.status, 200);
    assert.equal(released.body.status, 'released');
    const again = await http(h.url, 'POST', '/holds', { token: testToken('r2', 'buyer'), body: { eventId: event.eventId, seatIds: event.seatIds } });
    assert.equal(again.status, 201);
  });
});

/** The service's own sweep, run now instead of waiting for its interval. */
function sweepNow(h: BookingHarness): Promise<number> {
  return sweepOnce(h.service.context.requirePool(), holdDeps(h.service.context.config).outbox);
}

function countBy(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
