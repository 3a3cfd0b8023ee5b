import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { consumeTopic, http, type LocalServices, startCatalogAndBooking, testDatabaseServerUrl, testKafkaBrokers, testToken } from '@ticketing/testing';

/**
 * The README's walk-through as a test: a partner creates a venue and an
 * event in the catalog, a buyer finds it, holds seats in booking, pays, and
 * the booking shows up on Kafka. Both services share one real database.
 */
describe('catalog → booking → Kafka, end to end', () => {
  let services: LocalServices;
  const partner = testToken('partner-e2e', 'partner');
  const buyer = testToken('buyer-e2e', 'buyer');

  before(async () => {
    services = await startCatalogAndBooking({ databaseServerUrl: testDatabaseServerUrl(), kafkaBrokers: testKafkaBrokers().join(',') });
  });
  after(async () => services?.close());

  test('search, hold, pay, and see booking.confirmed on ticket-bookings', async () => {
    const venue = await http(services.catalogUrl, 'POST', '/venues', {
      token: partner,
      body: {
        name: 'Harbour Arena',
        city: 'Porto',
        sections: [
          {
            name: 'Stalls',
            kind: 'seated',
            category: 'standard',
            rows: [
              { row: 'A', seats: 6 },
              { row: 'B', seats: 6 },
            ],
          },
          { name: 'Floor', kind: 'general_admission', category: 'floor', capacity: 50 },
        ],
      },
    });
    assert.equal(venue.status, 201, JSON.stringify(venue.body));
    const created = await http(services.catalogUrl, 'POST', '/events', {
      token: partner,
      body: {
        venueId: venue.body.id,
        title: 'Fado by the River',
        description: 'Songs of the sea',
        startsAt: '2031-06-01T20:00:00Z',
        endsAt: '2031-06-01T23:00:00Z',
        priceTiers: [
          { category: 'standard', priceCents: 3500, currency: 'EUR' },
          { category: 'floor', priceCents: 2000, currency: 'EUR' },
        ],
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const eventId = created.body.id as string;

    const found = await http(services.catalogUrl, 'GET', '/events?city=porto&q=fado');
    assert.equal(found.status, 200);
    assert.deepEqual(
      found.body.items.map((e: { id: string }) => e.id),
      [eventId],
    );

    const availability = await http(services.bookingUrl, 'GET', `/events/${eventId}/availability`);
    assert.equal(availability.status, 200);
    assert.equal(availability.body.seats.length, 12);
    assert.deepEqual(
      availability.body.generalAdmission.map((g: { available: number }) => g.available),
      [50],
    );
    const seatIds = availability.body.seats.slice(0, 2).map((s: { seatId: string }) => s.seatId);

    const hold = await http(services.bookingUrl, 'POST', '/holds', { token: buyer, body: { eventId, seatIds }, headers: { 'idempotency-key': 'e2e-hold' } });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    assert.deepEqual(hold.body.amount, { cents: 7000, currency: 'EUR' });
    const paid = await http(services.bookingUrl, 'POST', `/holds/${hold.body.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
    assert.equal(paid.status, 201, JSON.stringify(paid.body));

    const messages = await consumeTopic(testKafkaBrokers(), services.topic, (m) => m.some((x) => x.value.type === 'booking.confirmed'));
    const seen = messages.map((m) => ({ key: m.key, type: m.value.type, data: m.value.data }));
    const confirmed = seen.find((s) => s.type === 'booking.confirmed')!;
    assert.equal(confirmed.key, eventId);
    assert.equal(confirmed.data.bookingReference, paid.body.reference);
    assert.deepEqual(
      seen.map((s) => s.type),
      ['hold.created', 'hold.extended', 'booking.confirmed'],
    );

    // A cancelled event cannot be held any more.
    await http(services.catalogUrl, 'PATCH', `/events/${eventId}`, { token: partner, body: { status: 'cancelled' } });
    const late = await http(services.bookingUrl, 'POST', '/holds', { token: buyer, body: { eventId, seatIds: [availability.body.seats[5].seatId] } });
    assert.equal(late.status, 409);
    assert.match(late.body.type, /event-not-on-sale/);
  });
});
