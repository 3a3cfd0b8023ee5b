import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertInventoryInvariants, type BookingHarness, http, seedEvent, startBookingHarness, testToken } from '@ticketing/testing';

describe('booking while PostgreSQL connections are killed', () => {
  let h: BookingHarness;
  before(async () => {
    h = await startBookingHarness({ DATABASE_POOL_MAX: '6', OUTBOX_POLL_INTERVAL_MS: '50', SWEEPER_INTERVAL_MS: '200' });
  });
  after(async () => h.close());

  test('hold + checkout traffic under repeated pg_terminate_backend: only 2xx/409/503, the process lives on, no seat sold twice', async () => {
    const event = await seedEvent(h.pool, { seats: 120 });
    const statuses = new Map<number, number>();
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const until = Date.now() + 3_000;
    let next = 0;
    const buyers = Array.from({ length: 6 }, async (_, b) => {
      while (Date.now() < until && next < event.seatIds.length - 1) {
        const token = testToken(`buyer-${b}`, 'buyer');
        const hold = await http(h.url, 'POST', '/holds', { token, body: { eventId: event.eventId, seatIds: [event.seatIds[next++]] } });
        count(hold.status);
        if (hold.status === 503) assert.match(hold.headers.get('retry-after') ?? '', /^\d+$/);
        if (hold.status !== 201) continue;
        const paid = await http(h.url, 'POST', `/holds/${hold.body.id}/checkout`, { token, body: { paymentMethod: 'pm_card_approved' } });
        count(paid.status);
      }
    });
    // What a failover or `pg_ctl restart -m immediate` does to every server process of this database.
    const killer = (async () => {
      while (Date.now() < until) {
        await sleep(250);
        await h.pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      }
    })();
    await Promise.all([...buyers, killer]);

    const seen = [...statuses.keys()];
    assert.ok(
      seen.every((s) => [201, 409, 503].includes(s)),
      `statuses: ${JSON.stringify([...statuses])}`,
    );
    assert.ok((statuses.get(503) ?? 0) > 0, 'the faults reached requests');
    assert.ok((statuses.get(201) ?? 0) > 0);
    // Recovered without a restart: ready again shortly (the last kill may still be landing), and holds work again.
    let ready = 0;
    for (let i = 0; i < 30 && ready !== 200; i++) {
      ready = (await http(h.url, 'GET', '/readyz')).status;
      if (ready !== 200) await sleep(100);
    }
    assert.equal(ready, 200);
    const after = await http(h.url, 'POST', '/holds', { token: testToken('late', 'buyer'), body: { eventId: event.eventId, seatIds: [event.seatIds[119]] } });
    assert.equal(after.status, 201, JSON.stringify(after.body));
    await assertInventoryInvariants(h.pool, event.eventId);
  });
});
