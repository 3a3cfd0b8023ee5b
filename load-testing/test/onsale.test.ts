import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findK6 } from '../../scripts/local-stack/k6.js';
import { assertLoopbackUrl, onsaleProblems, runAutocannonOnsale } from '../lib/autocannon-onsale.js';
import { checkInventory, formatReport, mintBuyerTokens, mintPartnerToken, seedOnsaleEvent } from '../lib/onsale.js';
import { type ConsumedMessage, consumeTopic, type LocalServices, startCatalogAndBooking, testDatabaseServerUrl, testKafkaBrokers } from '@ticketing/testing';

/**
 * The onsale with autocannon against catalog + booking running in-process on
 * 127.0.0.1, on the real test PostgreSQL and Kafka. The venue is small enough
 * (120 seats, 80 GA places) that 8 buyers sell most of it and collide on
 * seats, so the invariants are checked under contention. Bounded: 150
 * responses per connection, 40 s at most.
 */
describe('onsale load test (autocannon)', () => {
  let services: LocalServices;
  let eventId: string;

  before(
    async () => {
      services = await startCatalogAndBooking({ databaseServerUrl: testDatabaseServerUrl(), kafkaBrokers: testKafkaBrokers().join(',') });
      ({ eventId } = await seedOnsaleEvent(services.catalogUrl, await mintPartnerToken(services.mintToken), { seats: 120, gaCapacity: 80 }));
    },
    { timeout: 120_000 },
  );
  after(async () => {
    await services?.close();
  });

  test(
    'no 5xx, bookings confirmed, what the buyers saw is what the database holds, no seat sold twice, one booking.confirmed each on Kafka',
    { timeout: 120_000 },
    async (t) => {
      const counts = await runAutocannonOnsale(
        { catalogUrl: services.catalogUrl, bookingUrl: services.bookingUrl, eventId, buyerTokens: await mintBuyerTokens(services.mintToken, 8) },
        { buyers: 8, durationSeconds: 40, requestsPerConnection: 150 },
      );
      const inventory = await checkInventory(services.pool, eventId); // throws on a broken invariant
      const report = formatReport('autocannon', counts, inventory);
      t.diagnostic(report);
      assert.deepEqual(onsaleProblems(counts, { holdP95Ms: 2000 }), [], report);
      assert.equal(counts.http5xx, 0, report);
      assert.ok(counts.bookingsConfirmed > 0, `no booking confirmed\n${report}`);
      // Bounded by requests per connection, so no response was cut off: the counts are exact.
      assert.equal(counts.cutOff, 0, `the time limit cut the run short\n${report}`);
      assert.equal(inventory.confirmedBookings, counts.bookingsConfirmed, report);
      assert.equal(inventory.bookedSeats, counts.seatsBooked, report);
      assert.equal(inventory.bookedGaPlaces, counts.gaPlacesBooked, report);
      assert.equal(inventory.seats['sold'] ?? 0, inventory.bookedSeats, report);
      assert.ok(
        inventory.ga.every((g) => g.sold + g.held <= g.capacity),
        report,
      );
      assert.ok(counts.holdAttempts > counts.holdsCreated, `buyers never collided, so contention went untested\n${report}`);

      // Every confirmed booking reached Kafka exactly once.
      const { rows } = await services.pool.query<{ id: string }>(`SELECT id FROM booking.bookings WHERE event_id = $1 AND status = 'confirmed'`, [eventId]);
      const confirmedOnKafka = (messages: ConsumedMessage[]): ConsumedMessage[] => messages.filter((m) => m.value.type === 'booking.confirmed');
      const messages = await consumeTopic(testKafkaBrokers(), services.topic, (m) => confirmedOnKafka(m).length >= rows.length, 60_000);
      const perBooking = new Map<string, number>();
      for (const m of confirmedOnKafka(messages)) {
        const bookingId = String(m.value.data['bookingId']);
        perBooking.set(bookingId, (perBooking.get(bookingId) ?? 0) + 1);
      }
      assert.deepEqual([...perBooking.keys()].sort(), rows.map((r) => r.id).sort(), 'booking.confirmed messages ≠ confirmed bookings');
      assert.ok(
        [...perBooking.values()].every((n) => n === 1),
        `a booking.confirmed was sent twice: ${JSON.stringify([...perBooking])}`,
      );
    },
  );

  test('autocannon refuses targets other than this machine', () => {
    assert.doesNotThrow(() => assertLoopbackUrl('http://127.0.0.1:8082'));
    assert.throws(() => assertLoopbackUrl('https://booking.dev.tickets.example.com'), /loopback addresses only/);
    assert.throws(() => assertLoopbackUrl('http://10.0.0.5:8082'), /loopback addresses only/);
  });

  test('k6 is never fetched: without one installed the error says how to get it', () => {
    assert.throws(() => findK6({ PATH: '/nonexistent' }), /k6 is not installed\. Install k6 yourself.*K6_BINARY/);
    assert.throws(() => findK6({ K6_BINARY: '/nonexistent/k6' }), /K6_BINARY=\/nonexistent\/k6 does not exist/);
  });

  test("the k6 script type-checks against k6's types", { timeout: 60_000 }, () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const root = resolve(import.meta.dirname, '..', '..');
    const result = spawnSync(process.execPath, [tsc, '-p', 'load-testing/tsconfig.json', '--pretty', 'false'], { cwd: root, encoding: 'utf8' });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });
});
