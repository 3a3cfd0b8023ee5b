import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type BookingHarness, http, seedEvent, startBookingHarness, testToken } from '@ticketing/testing';

describe('the hot statements are prepared once per connection', () => {
  let h: BookingHarness;
  before(async () => {
    // Two connections: the relay leader's lock holds one, every statement runs on the other, the session this test inspects.
    h = await startBookingHarness({ DATABASE_POOL_MAX: '2', OUTBOX_POLL_INTERVAL_MS: '60000' });
  });
  after(() => h?.close());

  test('after a hold and a checkout, their statements are prepared on the connection, and a second booking reuses them', async () => {
    const event = await seedEvent(h.pool, { seats: 2 });
    const buyer = testToken('prepared-buyer', 'buyer');
    const book = async (seat: string) => {
      const hold = await http(h.url, 'POST', '/holds', { token: buyer, body: { eventId: event.eventId, seatIds: [seat] } });
      assert.equal(hold.status, 201, JSON.stringify(hold.body));
      const paid = await http(h.url, 'POST', `/holds/${hold.body.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
      assert.equal(paid.status, 201, JSON.stringify(paid.body));
    };
    const pool = h.service.context.requirePool();
    const prepared = async () =>
      (await pool.query<{ name: string }>(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'booking:%' ORDER BY name`)).rows.map((r) => r.name);
    await book(event.seatIds[0]!);
    const first = await prepared();
    for (const name of ['booking:lock-seats', 'booking:insert-seat-hold', 'booking:lock-hold-2', 'booking:start-payment', 'booking:confirm']) {
      assert.ok(first.includes(name), `${name} prepared (have: ${first.join(', ')})`);
    }
    await book(event.seatIds[1]!);
    assert.deepEqual(await prepared(), first, 'the second booking prepared nothing new');
  });
});
