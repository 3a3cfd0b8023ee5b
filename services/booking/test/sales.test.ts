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
