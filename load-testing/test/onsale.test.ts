import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { testDatabaseServerUrl, testKafkaBrokers } from '@ticketing/platform/testing';
import { ensureK6 } from '../../scripts/lib/k6.js';
import { checkInventory, counter, formatReport, mintBuyerTokens, mintOrganizerToken, runK6, seedOnsaleEvent, startLocalServices, type LocalServices } from '../lib/onsale.js';

/**
 * The onsale smoke scenario with real k6 against catalog + booking running
 * in-process on 127.0.0.1, on the real test PostgreSQL and Kafka. The venue
 * is small enough (120 seats, 80 GA places) that 8 buyers for 10 s sell most
 * of it and collide on seats, so the invariants are checked under contention.
 */
describe('onsale load test (k6 smoke)', () => {
  let services: LocalServices;
  let eventId: string;

  before(async () => {
    // First run on a machine without k6 builds it with Go (minutes); later runs find it.
    await ensureK6();
    services = await startLocalServices({ databaseServerUrl: testDatabaseServerUrl(), kafkaBrokers: testKafkaBrokers().join(',') });
    ({ eventId } = await seedOnsaleEvent(services.catalogUrl, mintOrganizerToken(services.authSecret), { seats: 120, gaCapacity: 80 }));
  }, { timeout: 15 * 60_000 });
  after(async () => {
    await services?.close();
  });

  test('k6 thresholds hold, no 5xx, bookings confirmed, and no seat is sold twice', { timeout: 90_000 }, async (t) => {
    const run = await runK6(
      { catalogUrl: services.catalogUrl, bookingUrl: services.bookingUrl, eventId, buyerTokens: mintBuyerTokens(services.authSecret, 8) },
      { scenario: 'smoke', env: { SMOKE_VUS: '8', SMOKE_DURATION: '10s' }, timeoutMs: 60_000 },
    );
    const inventory = await checkInventory(services.pool, eventId); // throws on a broken invariant
    const report = formatReport(run, inventory);
    t.diagnostic(report);
    const context = `${report}\n--- k6 output (end) ---\n${run.output.slice(-3000)}`;
    assert.equal(run.code, 0, `k6 exited ${run.code} (99 = a threshold crossed)\n${context}`);
    assert.ok(run.summary, `k6 wrote no summary\n${context}`);
    assert.equal(counter(run.summary, 'http_5xx'), 0, context);
    assert.equal(run.summary.metrics['http_req_failed']?.value, 0, `unexpected statuses\n${context}`);
    const confirmed = counter(run.summary, 'bookings_confirmed');
    assert.ok(confirmed > 0, `no booking confirmed\n${context}`);
    // What k6 saw confirmed is exactly what the database holds (no retries in the script).
    assert.equal(inventory.confirmedBookings, confirmed, context);
    assert.equal(inventory.bookedSeats, counter(run.summary, 'seats_booked'), context);
    assert.equal(inventory.bookedGaPlaces, counter(run.summary, 'ga_places_booked'), context);
    assert.equal(inventory.seats['sold'] ?? 0, inventory.bookedSeats, context);
    assert.ok(inventory.ga.every((g) => g.sold + g.held <= g.capacity), context);
    // Every confirmed booking wrote booking.confirmed (checkInventory checks per booking; this is the total).
    assert.equal(inventory.outboxByType['booking.confirmed'], confirmed, context);
  });

  test('the k6 script type-checks against k6\'s types', { timeout: 60_000 }, () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const root = resolve(import.meta.dirname, '..', '..');
    const result = spawnSync(process.execPath, [tsc, '-p', 'load-testing/tsconfig.json', '--pretty', 'false'], { cwd: root, encoding: 'utf8' });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });
});
