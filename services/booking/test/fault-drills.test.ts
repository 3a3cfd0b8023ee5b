/**
 * Fault drills: an operator's bad day, short and bounded. Two booking
 * replicas (real OS processes) on a PostgreSQL server of this test's own (so
 * it can be restarted) and the shared test Kafka, under a steady hold +
 * checkout load on 127.0.0.1, while the drills run one after another:
 *
 *   1. PostgreSQL restarts immediately (a crash as clients see it);
 *   2. the outbox relay leader's database backend is terminated, repeatedly;
 *   3. one seat row is locked by an idle session;
 *   4. a replica is killed (SIGKILL) with checkouts in flight, then replaced.
 *
 * Then: no acknowledged booking lost, every booking has its one
 * booking.confirmed on Kafka, no process exited but the one killed, no 500
 * (a 503 always carries Retry-After), recovery within seconds, no payment left
 * pending, and the inventory invariants hold.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { localDir } from '../../../scripts/local-stack/paths.js';
import { startPostgres, type RunningPostgres } from '../../../scripts/local-stack/postgres.js';
import { spawnBookingReplica, type ReplicaProcess } from './replica-process.js';
import {
  assertInventoryInvariants,
  bookingEnv,
  consumeTopic,
  createTestDatabase,
  createTestTopic,
  findFreePort,
  migrateSchemasBookingReads,
  seedEvent,
  testKafkaBrokers,
  testToken,
} from '@ticketing/testing';

/** What the buyers saw, over the whole run. */
class Observations {
  readonly statuses = new Map<number, number>();
  readonly serverErrors: string[] = [];
  readonly missingRetryAfter: string[] = [];
  /** Booking references the service acknowledged (201, or a replayed 201). */
  readonly acknowledged = new Set<string>();
  /** When each hold succeeded (ms since epoch). */
  readonly holdsAt: number[] = [];
  /** Requests that found no process at the other end (only the killed replica may cause these). */
  readonly connectionErrors: string[] = [];

  record(what: string, status: number, headers: Headers, body: unknown): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    if (status >= 500 && status !== 503) this.serverErrors.push(`${what} → ${status} ${JSON.stringify(body)}`);
    if (status === 503 && !headers.get('retry-after')) this.missingRetryAfter.push(what);
  }

  holdsBetween(from: number, to: number): number {
    return this.holdsAt.filter((t) => t >= from && t < to).length;
  }
}

function assertAlive(replica: ReplicaProcess): void {
  assert.ok(replica.child.exitCode === null && replica.child.signalCode === null, `replica ${replica.url} exited:\n${replica.stderr().slice(-2000)}`);
}

interface Target {
  replicas: () => ReplicaProcess[];
}

/**
 * One buyer's request, retried as a careful client would: the same
 * Idempotency-Key, after Retry-After on 503 or an in-flight 409, and on
 * another replica when this one does not answer.
 */
async function send(
  target: Target,
  seen: Observations,
  what: string,
  init: { method: string; path: string; token: string; body: unknown; key: string },
  deadline: number,
): Promise<{ status: number; body: any } | undefined> {
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const replicas = target.replicas();
    const replica = replicas[attempt % replicas.length]!;
    let res: Response;
    try {
      res = await fetch(`${replica.url}${init.path}`, {
        method: init.method,
        headers: { authorization: `Bearer ${init.token}`, 'content-type': 'application/json', 'idempotency-key': init.key },
        body: JSON.stringify(init.body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      seen.connectionErrors.push(`${what} on ${replica.url}: ${(error as Error).message}`);
      await sleep(100);
      continue;
    }
    const text = await res.text();
    const body = text ? JSON.parse(text) : undefined;
    seen.record(what, res.status, res.headers, body);
    const inFlight = res.status === 409 && String(body?.type).endsWith('/idempotency-key-in-flight');
    if (res.status === 503 || inFlight) {
      await sleep(Math.min(1_000, 1_000 * Number(res.headers.get('retry-after') ?? 1)));
      continue;
    }
    return { status: res.status, body };
  }
  return undefined;
}

describe('fault drills: the booking service keeps serving through database and process faults', () => {
  let postgres: RunningPostgres;
  let databaseUrl: string;
  let admin: pg.Pool;
  let replicaEnv: Record<string, string>;
  const replicas: ReplicaProcess[] = [];
  const killed: ReplicaProcess[] = [];
  const dataDir = path.join(localDir, 'test', `drills-${randomUUID().slice(0, 8)}`);
  let topic: string;

  before(async () => {
    // Crash-safe on purpose (unlike the shared test server): with synchronous_commit
    // off, an immediate restart loses commits that were already acknowledged.
    postgres = await startPostgres({ dataDir, port: await findFreePort(), fsync: true });
    const db = await createTestDatabase('drills', postgres.url);
    databaseUrl = db.url;
    admin = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    admin.on('error', () => undefined); // the restart drill cuts these connections too
    await migrateSchemasBookingReads(admin);
    topic = await createTestTopic(testKafkaBrokers().join(','), 'ticket-bookings-drills');
    replicaEnv = bookingEnv(databaseUrl, {
      KAFKA_TOPIC_BOOKINGS: topic,
      DATABASE_POOL_MAX: '8',
      OUTBOX_POLL_INTERVAL_MS: '100',
      SWEEPER_INTERVAL_MS: '500',
      PAYMENT_TIMEOUT_MS: '1000',
    });
    // The first replica migrates; the second starts on the migrated schema.
    replicas.push(await spawnBookingReplica(replicaEnv));
    replicas.push(await spawnBookingReplica({ ...replicaEnv, DATABASE_MIGRATE: 'false' }));
  });

  after(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await admin?.end();
    await postgres?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('restart, leader loss, an idle row lock and a killed replica lose nothing and answer no 500', { timeout: 240_000 }, async () => {
    const event = await seedEvent(admin, { seats: 3000 });
    const seen = new Observations();
    let nextSeat = 0;
    let loadRunning = true;
    const target: Target = { replicas: () => replicas.filter((r) => !killed.includes(r)) };

    const buyer = async (n: number) => {
      const token = testToken(`drill-buyer-${n}`, 'buyer');
      while (loadRunning && nextSeat < event.seatIds.length) {
        const seatId = event.seatIds[nextSeat++]!;
        const deadline = Date.now() + 45_000;
        const hold = await send(
          target,
          seen,
          'POST /holds',
          { method: 'POST', path: '/holds', token, body: { eventId: event.eventId, seatIds: [seatId] }, key: randomUUID() },
          deadline,
        );
        if (hold?.status !== 201) continue;
        seen.holdsAt.push(Date.now());
        const paid = await send(
          target,
          seen,
          'POST /holds/{id}/checkout',
          { method: 'POST', path: `/holds/${hold.body.id}/checkout`, token, body: { paymentMethod: 'pm_card_approved' }, key: randomUUID() },
          deadline,
        );
        if (paid?.status === 201 || (paid?.status === 200 && paid.body?.reference)) seen.acknowledged.add(paid.body.reference);
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(buyer));

    /** Waits until a hold succeeds after `since`; returns how long that took. */
    const recovery = async (since: number, limitMs: number) => {
      while (Date.now() - since < limitMs) {
        if (seen.holdsAt.some((t) => t > since)) return seen.holdsAt.find((t) => t > since)! - since;
        await sleep(50);
      }
      assert.fail(`no hold succeeded within ${limitMs} ms`);
    };

    // Baseline: the normal rate of successful holds.
    const baselineFrom = Date.now();
    await sleep(3_000);
    const baselinePerSecond = seen.holdsBetween(baselineFrom, Date.now()) / 3;
    assert.ok(baselinePerSecond > 2, `the load itself works (${baselinePerSecond.toFixed(1)} holds/s)`);

    // 1. PostgreSQL crashes and comes back.
    await postgres.restart('immediate');
    const restarted = Date.now();
    const afterRestart = await recovery(restarted, 10_000);

    // 2. The relay leader loses its session, five times.
    for (let i = 0; i < 5; i++) {
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      await sleep(400);
    }
    for (const replica of replicas) {
      assertAlive(replica);
      assert.equal((await fetch(`${replica.url}/readyz`)).status, 200, 'a replica stays ready after losing relay leadership');
    }

    // 3. One seat row, a little ahead of the buyers, locked by an idle session for 4 s.
    const locker = await admin.connect();
    const lockedFrom = Date.now();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM booking.seat_inventory WHERE event_id = $1 AND seat_id = $2 FOR UPDATE', [event.eventId, event.seatIds[nextSeat + 8]]);
      await sleep(4_000);
      await locker.query('ROLLBACK');
    } finally {
      locker.release();
    }
    const lockedPerSecond = seen.holdsBetween(lockedFrom, Date.now()) / ((Date.now() - lockedFrom) / 1000);
    assert.ok(
      lockedPerSecond >= baselinePerSecond * 0.3,
      `holds on other seats go on while one row is locked (${lockedPerSecond.toFixed(1)}/s vs ${baselinePerSecond.toFixed(1)}/s)`,
    );

    // 4. A replica dies with requests in flight; a new one takes its place.
    const victim = replicas[1]!;
    killed.push(victim);
    await victim.kill();
    const killedAt = Date.now();
    await recovery(killedAt, 5_000);
    replicas.push(await spawnBookingReplica({ ...replicaEnv, DATABASE_MIGRATE: 'false' }));
    await sleep(2_000);

    loadRunning = false;
    await load;

    // Nothing lost: every acknowledged booking is confirmed in the database …
    const { rows: confirmed } = await admin.query<{ id: string; reference: string }>(
      `SELECT id, reference FROM booking.bookings WHERE event_id = $1 AND status = 'confirmed'`,
      [event.eventId],
    );
    const references = new Set(confirmed.map((r) => r.reference));
    const lost = [...seen.acknowledged].filter((ref) => !references.has(ref));
    assert.deepEqual(lost, [], 'every acknowledged booking exists');
    assert.ok(seen.acknowledged.size > 20, `bookings were made (${seen.acknowledged.size})`);

    // … no payment is left pending once the reconciler has looked (interrupted checkouts included) …
    const pendingFor = async () => (await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM booking.payments WHERE status = 'pending'`)).rows[0]!.n;
    for (const limit = Date.now() + 15_000; (await pendingFor()) > 0 && Date.now() < limit;) await sleep(250);
    assert.equal(await pendingFor(), 0, 'interrupted checkouts are reconciled');

    // … and each booking has exactly one booking.confirmed on Kafka.
    const bookingIds = new Set(confirmed.map((r) => r.id));
    const messages = await consumeTopic(
      testKafkaBrokers(),
      topic,
      (all) => {
        const seenIds = new Set(all.filter((m) => m.value.type === 'booking.confirmed').map((m) => m.value.data.bookingId));
        return [...bookingIds].every((id) => seenIds.has(id));
      },
      30_000,
    );
    const confirmations = new Map<string, Set<string>>();
    for (const m of messages.filter((m) => m.value.type === 'booking.confirmed')) {
      const id = String(m.value.data.bookingId);
      confirmations.set(id, (confirmations.get(id) ?? new Set()).add(m.value.id));
    }
    assert.deepEqual(
      [...bookingIds].filter((id) => !confirmations.has(id)),
      [],
      'no booking.confirmed lost',
    );
    assert.deepEqual(
      [...confirmations].filter(([, ids]) => ids.size !== 1).map(([id]) => id),
      [],
      'one booking.confirmed per booking',
    );

    await assertInventoryInvariants(admin, event.eventId);
    assert.deepEqual(seen.serverErrors, [], 'no 5xx other than 503');
    assert.deepEqual(seen.missingRetryAfter, [], 'every 503 says when to retry');
    replicas.filter((r) => r !== victim).forEach(assertAlive);
    const victimUrl = victim.url;
    assert.deepEqual(
      seen.connectionErrors.filter((e) => !e.includes(victimUrl)),
      [],
      'only the killed replica failed to answer',
    );
    // Figures for the log, so a slow recovery is visible before it fails.
    console.log(
      JSON.stringify({
        baselinePerSecond,
        lockedPerSecond,
        recoveryAfterRestartMs: afterRestart,
        acknowledged: seen.acknowledged.size,
        statuses: Object.fromEntries(seen.statuses),
      }),
    );
  });
});
