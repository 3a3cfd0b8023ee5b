import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { testDatabaseServerUrl, testKafkaBrokers } from '@ticketing/testing';
import { findK6 } from '../../scripts/local-stack/k6.js';
import { assertLoopbackUrl } from '../lib/engine.js';
import { runOnsale } from '../lib/run-onsale.js';

/**
 * Scenarios end to end with the local engine against catalog + booking
 * in-process on 127.0.0.1, on the real test PostgreSQL and Kafka, with the
 * checks every run ends with: the inventory invariants and exactly one
 * booking.confirmed message per booking.
 */
const execFileAsync = promisify(execFile);
const services = () => ({ kind: 'in-process' as const, databaseServerUrl: testDatabaseServerUrl(), kafkaBrokers: testKafkaBrokers().join(',') });

describe('onsale scenarios (local engine)', () => {
  test('smoke: every public endpoint answered as expected, thresholds held, invariants kept', { timeout: 90_000 }, async (t) => {
    const report = await runOnsale({ scenario: 'smoke', knobs: { LATENCY_SCALE: '4' }, engine: 'local', services: services() });
    t.diagnostic(report.summary);
    assert.equal(report.exitCode, 0, report.summary);
    assert.equal(report.invariantError, undefined);
    assert.deepEqual(Object.keys(report.result.requests).sort(), [
      'DELETE /holds/{id}',
      'GET /bookings',
      'GET /bookings/{reference}',
      'GET /events',
      'GET /events/{id}',
      'GET /events/{id}/availability',
      'GET /events/{id}/availability?format=compact',
      'GET /events/{id}/availability?format=layout',
      'GET /holds/{id}',
      'POST /bookings/{reference}/cancel',
      'POST /holds',
      'POST /holds/{id}/checkout',
    ]);
    assert.deepEqual(report.result.requests['POST /holds/{id}/checkout']!.statuses, { 201: 1, 402: 1 });
    assert.equal(report.result.totals.errors, 0);
    // The one booking was cancelled; it was still confirmed once, on Kafka too.
    assert.equal(report.inventory?.confirmedBookings, 0);
    assert.deepEqual(report.kafka, { bookings: 1, confirmedMessages: 1 });
  });

  test('buyers arriving at a rate race for a small venue: 409s counted apart, nothing oversold, one message per booking', { timeout: 90_000 }, async (t) => {
    // The soak profile, shortened and crowded: 50 buyers/s for 1.5 s on 10 seats and 4 GA places.
    const report = await runOnsale({
      scenario: 'soak',
      knobs: { SOAK_RATE: '50', SOAK_DURATION: '1.5s', SEATS: '10', GA: '4', GA_SHARE: '0.5', BUYERS: '30', LATENCY_SCALE: '8' },
      engine: 'local',
      services: services(),
    });
    t.diagnostic(report.summary);
    assert.equal(report.exitCode, 0, report.summary);
    assert.ok((report.result.outcomes['seats-taken'] ?? 0) > 0, `buyers never collided\n${report.summary}`);
    assert.equal(report.result.outcomes['confirmed'], report.inventory?.confirmedBookings, report.summary);
    assert.equal(report.kafka?.bookings, report.inventory?.confirmedBookings);
    assert.equal(report.result.iterations.completed, 75, report.summary);
  });

  test('npm run load: a crossed threshold exits 99, names the threshold and writes the JSON report', { timeout: 90_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'load-run-'));
    try {
      const json = join(dir, 'smoke.json');
      // Limits of a thousandth of a millisecond: every hold is too slow.
      const run = await execFileAsync(
        process.execPath,
        ['--conditions=development', '--import', 'tsx', 'load-testing/run.ts', '--scenario', 'smoke', '--set', 'LATENCY_SCALE=0.000001', '--json', json],
        {
          cwd: resolve(import.meta.dirname, '..', '..'),
          env: { ...process.env, TEST_DATABASE_URL: testDatabaseServerUrl(), TEST_KAFKA_BROKERS: testKafkaBrokers().join(',') },
        },
      ).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
      assert.equal(run.code, 99, run.stdout);
      assert.match(run.stdout, /^p95 POST \/holds .* CROSSED$/m);
      assert.match(run.stdout, /^invariants: no seat sold twice/m, 'the invariants are checked whatever the thresholds say');
      const report = JSON.parse(readFileSync(json, 'utf8')) as { exitCode: number; thresholds: { threshold: string; ok: boolean }[] };
      assert.equal(report.exitCode, 99);
      assert.equal(report.thresholds.find((c) => c.threshold === 'p95 POST /holds')?.ok, false);
      assert.equal(report.thresholds.find((c) => c.threshold === 'outcome confirmed')?.ok, true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the local engine refuses targets other than this machine', () => {
    assert.doesNotThrow(() => assertLoopbackUrl('http://127.0.0.1:8082'));
    assert.throws(() => assertLoopbackUrl('https://booking.dev.tickets.example.com'), /loopback addresses only/);
    assert.throws(() => assertLoopbackUrl('http://10.0.0.5:8082'), /loopback addresses only/);
  });

  test('k6 is never fetched: without one installed the error says how to get it', () => {
    assert.throws(() => findK6({ PATH: '/nonexistent' }), /k6 is not installed\. Install k6 yourself.*K6_BINARY/);
    assert.throws(() => findK6({ K6_BINARY: '/nonexistent/k6' }), /K6_BINARY=\/nonexistent\/k6 does not exist/);
  });

  test("the k6 script and the scenarios it imports type-check against k6's types", { timeout: 60_000 }, () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const root = resolve(import.meta.dirname, '..', '..');
    const result = spawnSync(process.execPath, [tsc, '-p', 'load-testing/tsconfig.json', '--pretty', 'false', '--listFilesOnly'], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /load-testing\/scenarios\.ts/, 'the scenarios are part of the k6 program');
    const check = spawnSync(process.execPath, [tsc, '-p', 'load-testing/tsconfig.json', '--pretty', 'false'], { cwd: root, encoding: 'utf8' });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  });
});
