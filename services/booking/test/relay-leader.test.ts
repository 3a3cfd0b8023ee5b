import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKafka, createLogger, createMetrics, createPool, type Logger, type Pool } from '@ticketing/platform';
import pg from 'pg';
import { createBookingDefinition } from '../src/app.js';
import { createBookingMetrics } from '../src/metrics.js';
import { startOutboxRelay } from '../src/outbox-relay.js';
import {
  type BookingHarness,
  createTestDatabase,
  createTestTopic,
  findFreePort,
  http,
  migrateSchemasBookingReads,
  migrateSchemaOf,
  startBookingHarness,
  testKafkaBrokers,
  testKafkaSasl,
  waitUntil,
} from '@ticketing/testing';

const relayMetrics = (pool: Pool, logger: Logger) => createBookingMetrics({ metrics: createMetrics('booking'), pool, logger }).relay;

/** Backend pids holding an advisory lock in this database (the relay leader's lock connection). */
async function lockHolders(pool: pg.Pool): Promise<number[]> {
  const { rows } = await pool.query<{ pid: number }>(
    `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return rows.map((r) => r.pid);
}

/** Polls `probe` every 50 ms until it gives a value: leadership changes within seconds. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 8_000): Promise<T> => waitUntil(what, probe, { timeoutMs, intervalMs: 50 });

describe('outbox relay leadership', () => {
  let harness: BookingHarness;
  before(async () => {
    harness = await startBookingHarness({ DATABASE_POOL_MAX: '4', OUTBOX_POLL_INTERVAL_MS: '50' });
  });
  after(async () => harness.close());

  test('each time the leader lock connection is killed, the connection goes back to the pool and the relay is re-elected', async () => {
    let holder = await waitFor('a leader', async () => (await lockHolders(harness.pool))[0]);
    // More breaks than the pool has connections: one leak per break would exhaust it.
    for (let i = 0; i < 6; i++) {
      await harness.pool.query('SELECT pg_terminate_backend($1)', [holder]);
      const previous = holder;
      holder = await waitFor(`leader #${i + 2}`, async () => (await lockHolders(harness.pool)).find((pid) => pid !== previous));
    }
    const pool = harness.service.context.requirePool();
    assert.ok(pool.totalCount <= 4, `pool holds ${pool.totalCount} connections`);
    const started = Date.now();
    assert.equal((await http(harness.url, 'GET', '/readyz')).status, 200);
    assert.ok(Date.now() - started < 1_000, 'readiness answered at once');
  });
});

describe('outbox relay while Kafka is down', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  before(async () => {
    db = await createTestDatabase('relaylog');
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    await migrateSchemasBookingReads(pool);
    await migrateSchemaOf(pool, createBookingDefinition());
  });
  after(async () => {
    await pool.end();
    await db.drop();
  });

  test('a lock connection that goes silent (no reset, no answer) is given up within seconds, not held for ever', async () => {
    const target = new URL(db.url);
    const pairs: { client: net.Socket; upstream: net.Socket }[] = [];
    // Forwards to PostgreSQL; the test then drops all bytes on the connections open at that moment, as a partition would.
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        a.on('error', () => undefined);
        a.on('close', () => b.destroy());
      }
      client.pipe(upstream).pipe(client);
      pairs.push({ client, upstream });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const viaProxy = new URL(db.url);
    viaProxy.host = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    const lines: { msg: string }[] = [];
    const logger = createLogger({}, 'info', (line) => lines.push(JSON.parse(line)));
    const relayPool = createPool(viaProxy.toString(), 4, logger, { statementMs: 1_000 });
    const relay = startOutboxRelay({
      pool: relayPool,
      kafka: createKafka(testKafkaBrokers(), 'relay-silent-test', logger, testKafkaSasl()),
      logger,
      metrics: relayMetrics(relayPool, logger),
      pollIntervalMs: 50,
    });
    try {
      await waitFor('a leader', async () => (await lockHolders(pool))[0]);
      for (const { client, upstream } of [...pairs]) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.on('data', () => undefined);
        upstream.on('data', () => undefined);
      }
      // Found dead by the periodic check (5 s) plus its answer timeout (2 s); the server frees the lock once its TCP keepalive notices.
      await waitFor('leadership to be given up', async () => (lines.some((l) => l.msg.startsWith('outbox relay: lost leadership')) ? true : undefined), 10_000);
      assert.ok(relayPool.totalCount <= 4);
    } finally {
      for (const { client } of pairs) client.destroy();
      await relay.stop();
      await relayPool.end();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  test('logs "kafka unreachable" once, suppresses per-attempt connection errors, and "reachable again" once', async () => {
    const [broker] = testKafkaBrokers();
    const [host, port] = broker!.split(':');
    const topic = await createTestTopic(broker!, 'relay-log', 1);
    await pool.query(`INSERT INTO booking.outbox (message_id, topic, message_key, type, payload) VALUES ($1, $2, 'k', 'test', '{}')`, [randomUUID(), topic]);

    const lines: { level: string; msg: string }[] = [];
    const logger = createLogger({}, 'info', (line) => lines.push(JSON.parse(line)));
    // Bootstrap through a port nobody listens on yet; once it forwards, kafkajs goes on to the broker's advertised address.
    const bootstrapPort = await findFreePort();
    const kafka = createKafka([`127.0.0.1:${bootstrapPort}`], 'relay-log-test', logger, testKafkaSasl());
    const relayPool = createPool(db.url, 4, logger);
    const metrics = relayMetrics(relayPool, logger);
    const relay = startOutboxRelay({ pool: relayPool, kafka, logger, metrics, pollIntervalMs: 50 });
    let proxy: net.Server | undefined;
    try {
      await sleep(4_000);
      const warnings = lines.filter((l) => l.level === 'warn' || l.level === 'error');
      assert.deepEqual(
        warnings.map((l) => l.msg),
        ['outbox relay: kafka unreachable; messages wait in the outbox'],
      );
      const produceErrors = async () => (await metrics.kafkaProduceErrors.get()).values.find((v) => v.labels.topic === topic)?.value ?? 0;
      assert.ok((await produceErrors()) >= 1, 'each failed attempt counts in kafka_produce_errors_total for the topic');

      proxy = net.createServer((client) => {
        const upstream = net.connect(Number(port), host);
        client.on('error', () => undefined);
        upstream.on('error', () => undefined);
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => proxy!.listen(bootstrapPort, '127.0.0.1', resolve));
      await waitFor(
        'the row to be published',
        async () => {
          const { rows } = await pool.query('SELECT 1 FROM booking.outbox WHERE published_at IS NULL');
          return rows.length === 0 ? true : undefined;
        },
        15_000,
      );
      assert.equal(lines.filter((l) => l.msg === 'outbox relay: kafka reachable again').length, 1);
      assert.equal(lines.filter((l) => l.msg.startsWith('outbox relay: kafka unreachable')).length, 1);
    } finally {
      await relay.stop();
      await relayPool.end();
      await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
    }
  });
});
