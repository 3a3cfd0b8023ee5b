import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { catalogDefinition } from '@ticketing/catalog/app';
import { startService, type RunningService } from '@ticketing/platform';
import { createTestDatabase, http, testKafkaBrokers, testToken } from '@ticketing/platform/testing';
import { Kafka, logLevel } from 'kafkajs';
import { createBookingDefinition } from '../src/app.js';
import { ensureTopic } from '../../../scripts/lib/kafka.js';
import { bookingEnv } from './support.js';

/**
 * The README's walk-through as a test: an organizer creates a venue and an
 * event in the catalog, a buyer finds it, holds seats in booking, pays, and
 * the booking shows up on Kafka. Both services share one real database.
 */
describe('catalog → booking → Kafka, end to end', () => {
  let catalog: RunningService;
  let booking: RunningService;
  let drop: () => Promise<void>;
  const topic = `ticket-bookings-e2e-${crypto.randomUUID().slice(0, 8)}`;
  const organizer = testToken('organizer-e2e', 'organizer');
  const buyer = testToken('buyer-e2e', 'buyer');

  before(async () => {
    const db = await createTestDatabase('e2e');
    drop = db.drop;
    const brokers = testKafkaBrokers().join(',');
    await ensureTopic(brokers, topic, 3);
    const env = bookingEnv(db.url, { KAFKA_BROKERS: brokers, KAFKA_TOPIC_BOOKINGS: topic, OUTBOX_POLL_INTERVAL_MS: '100' });
    catalog = await startService(catalogDefinition, env);
    booking = await startService(createBookingDefinition(), env);
  });
  after(async () => {
    await booking?.stop();
    await catalog?.stop();
    await drop?.();
  });

  test('search, hold, pay, and see booking.confirmed on ticket-bookings', async () => {
    const venue = await http(catalog.url, 'POST', '/venues', {
      token: organizer,
      body: {
        name: 'Harbour Arena',
        city: 'Porto',
        sections: [
          { name: 'Stalls', kind: 'seated', category: 'standard', rows: [{ row: 'A', seats: 6 }, { row: 'B', seats: 6 }] },
          { name: 'Floor', kind: 'general_admission', category: 'floor', capacity: 50 },
        ],
      },
    });
    assert.equal(venue.status, 201, JSON.stringify(venue.body));
    const created = await http(catalog.url, 'POST', '/events', {
      token: organizer,
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

    const found = await http(catalog.url, 'GET', '/events?city=porto&q=fado');
    assert.equal(found.status, 200);
    assert.deepEqual(found.body.items.map((e: { id: string }) => e.id), [eventId]);

    const availability = await http(booking.url, 'GET', `/events/${eventId}/availability`);
    assert.equal(availability.status, 200);
    assert.equal(availability.body.seats.length, 12);
    assert.deepEqual(availability.body.generalAdmission.map((g: { available: number }) => g.available), [50]);
    const seatIds = availability.body.seats.slice(0, 2).map((s: { seatId: string }) => s.seatId);

    const hold = await http(booking.url, 'POST', '/holds', { token: buyer, body: { eventId, seatIds }, headers: { 'idempotency-key': 'e2e-hold' } });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    assert.deepEqual(hold.body.amount, { cents: 7000, currency: 'EUR' });
    const paid = await http(booking.url, 'POST', `/holds/${hold.body.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
    assert.equal(paid.status, 201, JSON.stringify(paid.body));

    const kafka = new Kafka({ clientId: 'e2e', brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `e2e-${crypto.randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: { key: string; type: string; data: Record<string, unknown> }[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no booking.confirmed within 60 s; saw ${JSON.stringify(seen.map((s) => s.type))}`)), 60_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const value = JSON.parse(message.value!.toString());
          seen.push({ key: message.key!.toString(), type: value.type, data: value.data });
          if (value.type === 'booking.confirmed') {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    const confirmed = seen.find((s) => s.type === 'booking.confirmed')!;
    assert.equal(confirmed.key, eventId);
    assert.equal(confirmed.data.bookingReference, paid.body.reference);
    assert.deepEqual(seen.map((s) => s.type), ['hold.created', 'hold.extended', 'booking.confirmed']);

    // A cancelled event cannot be held any more.
    await http(catalog.url, 'PATCH', `/events/${eventId}`, { token: organizer, body: { status: 'cancelled' } });
    const late = await http(booking.url, 'POST', '/holds', { token: buyer, body: { eventId, seatIds: [availability.body.seats[5].seatId] } });
    assert.equal(late.status, 409);
    assert.match(late.body.type, /event-not-on-sale/);
  });
});
