import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawnBookingReplica, type ReplicaProcess } from './replica-process.js';
import {
  assertInventoryInvariants,
  bookingEnv,
  type BookingHarness,
  http,
  httpUntilAnswered,
  seedEvent,
  startBookingHarness,
  testToken,
} from '@ticketing/testing';

describe('two booking service processes on one database', () => {
  let h: BookingHarness;
  let replicas: ReplicaProcess[] = [];
  before(async () => {
    // The harness migrates the schema; the replicas are separate OS processes.
    h = await startBookingHarness();
    const env = bookingEnv(h.databaseUrl, { KAFKA_TOPIC_BOOKINGS: h.topic, DATABASE_MIGRATE: 'false', DATABASE_POOL_MAX: '15' });
    replicas = await Promise.all([spawnBookingReplica(env), spawnBookingReplica(env)]);
  });
  after(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await h.close();
  });

  test('500 concurrent holds on 50 seats across two processes: exactly 50 succeed (503s retried, as clients do)', async () => {
    const event = await seedEvent(h.pool, { seats: 50 });
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        httpUntilAnswered(replicas[i % 2]!.url, 'POST', '/holds', {
          token: testToken(`r-${i}`, 'buyer'),
          body: { eventId: event.eventId, seatIds: [event.seatIds[i % 50]] },
        }),
      ),
    );
    const ok = results.filter((r) => r.status === 201);
    const conflicts = results.filter((r) => r.status === 409);
    const statuses = `statuses: ${JSON.stringify(results.reduce<Record<number, number>>((n, r) => ({ ...n, [r.status]: (n[r.status] ?? 0) + 1 }), {}))}`;
    assert.equal(ok.length, 50, statuses);
    assert.equal(conflicts.length, 450, statuses);
    assert.ok(conflicts.every((r) => /seats-unavailable/.test(r.body.type)));
    // Both processes sold seats: the guarantee does not rest on one process.
    const byReplica = [0, 1].map((k) => results.filter((r, i) => i % 2 === k && r.status === 201).length);
    assert.ok(
      byReplica.every((n) => n > 0),
      `wins per replica: ${byReplica}`,
    );
    const inventory = await assertInventoryInvariants(h.pool, event.eventId);
    assert.deepEqual(inventory.seats, { held: 50 });
  });

  test('both replicas checking out the same hold at once book it once', async () => {
    const event = await seedEvent(h.pool, { seats: 1 });
    const buyer = testToken('double-click', 'buyer');
    const hold = await http(replicas[0]!.url, 'POST', '/holds', { token: buyer, body: { eventId: event.eventId, seatIds: event.seatIds } });
    const attempts = await Promise.all(
      replicas.map((r) => http(r.url, 'POST', `/holds/${hold.body.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } })),
    );
    // The second click attaches to the first one's payment: 202 while it is in flight, or its booking once made.
    const statuses = attempts.map((a) => a.status).sort();
    assert.ok(statuses[0] === 201 && [201, 202].includes(statuses[1]!), JSON.stringify(attempts.map((a) => a.body)));
    const paymentIds = new Set(attempts.map((a) => (a.status === 202 ? a.body.paymentId : undefined)).filter(Boolean));
    const payments = await h.pool.query(`SELECT p.id FROM booking.payments p WHERE p.hold_id = $1`, [hold.body.id]);
    assert.equal(payments.rows.length, 1, 'one payment, however many clicks');
    for (const id of paymentIds) assert.equal(id, payments.rows[0].id);
    const bookings = await h.pool.query('SELECT count(*)::int AS n FROM booking.bookings WHERE event_id = $1', [event.eventId]);
    assert.equal(bookings.rows[0].n, 1);
    await assertInventoryInvariants(h.pool, event.eventId);
  });

  test('exactly one process relays the outbox (leader lock)', async () => {
    const leaderOf = (metricsText: string) => Number(/^booking_outbox_relay_leader\{[^}]*\} (\d)/m.exec(metricsText)?.[1] ?? '0');
    const replicaLeaders = await Promise.all(replicas.map(async (r) => leaderOf(await (await fetch(`${r.url}/metrics`)).text())));
    // The harness's in-process service competes for the same lock.
    const harnessLeader = leaderOf(await h.service.context.metrics.registry.metrics());
    assert.equal(harnessLeader + replicaLeaders.reduce((a, b) => a + b, 0), 1, `harness ${harnessLeader}, replicas ${replicaLeaders}`);
  });
});
