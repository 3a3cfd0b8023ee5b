/** GET /partner/sales: per event of the caller's organization, sold / held / available places and revenue. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type BookingHarness, http, lapseHolds, seedEvent, startBookingHarness, testToken } from '@ticketing/testing';

let h: BookingHarness;
before(async () => {
  h = await startBookingHarness();
});
after(() => h?.close());

const partner = testToken('sales-partner', 'partner', { org: 'org-1' });

test('sold, held and available seats and places, and revenue from confirmed bookings only', async () => {
  const event = await seedEvent(h.pool, { seats: 10, gaCapacity: 20, priceCents: 4000 });
  const untouched = await seedEvent(h.pool, { seats: 5, gaCapacity: 1, startsInHours: 72 });
  const buyer = testToken('sales-buyer', 'buyer');
  const hold = (body: object) => http(h.url, 'POST', '/holds', { token: buyer, body: { eventId: event.eventId, ...body } });
  const pay = (holdId: string) => http(h.url, 'POST', `/holds/${holdId}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });

  const sold = await hold({ seatIds: event.seatIds.slice(0, 2) });
  assert.equal((await pay(sold.body.id)).status, 201);
  const soldGa = await hold({ generalAdmission: { sectionId: event.gaSectionId, quantity: 3 } });
  assert.equal((await pay(soldGa.body.id)).status, 201);
  assert.equal((await hold({ seatIds: [event.seatIds[5]] })).status, 201);
  assert.equal((await hold({ generalAdmission: { sectionId: event.gaSectionId, quantity: 2 } })).status, 201);
  // Sold, then cancelled: back on sale, and refunded, so not revenue.
  const cancelled = await hold({ seatIds: [event.seatIds[9]] });
  const booking = await pay(cancelled.body.id);
  assert.equal((await http(h.url, 'POST', `/bookings/${booking.body.reference}/cancel`, { token: buyer })).status, 200);
  // A lapsed seat hold counts as available at once.
  const lapsing = await hold({ seatIds: [event.seatIds[7]] });
  await lapseHolds(h.pool, { holdId: lapsing.body.id });

  const res = await http(h.url, 'GET', '/partner/sales', { token: partner });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const byEvent = new Map(res.body.items.map((row: any) => [row.eventId, row]));
  assert.deepEqual(byEvent.get(event.eventId), {
    eventId: event.eventId,
    capacity: 30,
    sold: 5,
    held: 3,
    available: 22,
    revenue: { cents: 2 * 4000 + 3 * 2500, currency: 'EUR' },
  });
  assert.deepEqual(byEvent.get(untouched.eventId), {
    eventId: untouched.eventId,
    capacity: 6,
    sold: 0,
    held: 0,
    available: 6,
    revenue: { cents: 0, currency: 'EUR' },
  });
});

test("another organization's partner sees none of it; buyers may not ask", async () => {
  await seedEvent(h.pool, { seats: 2 });
  const other = await http(h.url, 'GET', '/partner/sales', { token: testToken('other-partner', 'partner', { org: 'org-2' }) });
  assert.equal(other.status, 200);
  assert.deepEqual(other.body.items, []);
  assert.equal((await http(h.url, 'GET', '/partner/sales', { token: testToken('a-buyer', 'buyer') })).status, 403);
  assert.equal((await http(h.url, 'GET', '/partner/sales')).status, 401);
});

test('only the events asked for (the page of them an organizer looks at), and of those only its own organization’s', async () => {
  const [first, second] = [await seedEvent(h.pool, { seats: 3, gaCapacity: 1 }), await seedEvent(h.pool, { seats: 4, gaCapacity: 1 })];
  const others = await seedEvent(h.pool, { seats: 2 });
  await h.pool.query(`UPDATE catalog.events SET owner_id = 'org-2' WHERE id = $1`, [others.eventId]);

  const asked = await http(h.url, 'GET', `/partner/sales?eventIds=${second.eventId},${others.eventId}`, { token: partner });
  assert.equal(asked.status, 200, JSON.stringify(asked.body));
  assert.deepEqual(
    asked.body.items.map((row: any) => [row.eventId, row.capacity]),
    [[second.eventId, 5]],
    "the other organization's event is left out",
  );
  const both = await http(h.url, 'GET', `/partner/sales?eventIds=${first.eventId},${second.eventId}`, { token: partner });
  assert.deepEqual(new Set(both.body.items.map((row: any) => row.eventId)), new Set([first.eventId, second.eventId]));

  for (const bad of ['nope', `${first.eventId},`, Array.from({ length: 201 }, () => first.eventId).join(',')]) {
    const res = await http(h.url, 'GET', `/partner/sales?eventIds=${bad}`, { token: partner });
    assert.equal(res.status, 400, bad.slice(0, 60));
    assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
  }
});
