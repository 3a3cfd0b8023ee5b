import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import { ensureTopic } from '../../../scripts/local-stack/kafka.js';
import { createPool, type Pool } from '../src/db.js';
import { createKafka } from '../src/kafka.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { createOutboxRelayMetrics, startOutboxRelay, type OutboxRelay } from '../src/outbox-relay.js';
import { createTestDatabase, gateProducerSends, testKafkaBrokers, testKafkaSasl } from '../src/testing.js';

/** Polls until `probe` is true (the platform's tests cannot use @ticketing/testing, which depends on it). */
async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000, intervalMs = 20): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await probe()); await sleep(intervalMs)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

interface TestRow {
  id: string;
  message_id: string;
  entity_id: string;
  payload: { n: number };
}

const logger = createLogger({}, 'error');

describe('outbox relay (platform)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  let topic: string;
  before(async () => {
    db = await createTestDatabase('outboxrelay');
    pool = createPool(db.url, 6, logger);
    await pool.query(`CREATE SCHEMA relay_test;
      CREATE TABLE relay_test.outbox (
        id bigserial PRIMARY KEY, message_id uuid NOT NULL, entity_id text NOT NULL, payload jsonb NOT NULL, published_at timestamptz)`);
    topic = `outbox-relay-test-${randomUUID().slice(0, 8)}`;
    await ensureTopic(testKafkaBrokers()[0]!, topic, 1, testKafkaSasl());
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  const insertRow = async (n: number): Promise<string> => {
    const { rows } = await pool.query<{ id: string }>(`INSERT INTO relay_test.outbox (message_id, entity_id, payload) VALUES ($1, $2, $3) RETURNING id`, [
      randomUUID(),
      `entity-${n % 3}`,
      { n },
    ]);
    return rows[0]!.id;
  };
  const published = async (id: string) => (await pool.query('SELECT 1 FROM relay_test.outbox WHERE id = $1 AND published_at IS NOT NULL', [id])).rowCount === 1;

  function startTestRelay(options: { pool?: Pool; kafka?: Kafka; metrics?: ReturnType<typeof createOutboxRelayMetrics>; pollIntervalMs: number }): OutboxRelay {
    return startOutboxRelay<TestRow>({
      pool: options.pool ?? pool,
      kafka: options.kafka ?? createKafka(testKafkaBrokers(), 'outbox-relay-test', logger, testKafkaSasl()),
      logger,
      metrics: options.metrics ?? { kafkaProduceErrors: createMetrics('relay-test').kafkaProduceErrors },
      name: 'test relay',
      lockKey: 'platform-test:outbox-relay',
      table: 'relay_test.outbox',
      columns: 'id, message_id, entity_id, payload',
      message: (row) => ({
        topic,
        key: row.entity_id,
        value: JSON.stringify(row.payload),
        headers: { 'message-id': row.message_id, 'content-type': 'application/json' },
      }),
      pollIntervalMs: options.pollIntervalMs,
      batchSize: 4,
    });
  }

  test('publishes every row in id order with its key, body and headers, in batches, and marks it published', async () => {
    const ids: string[] = [];
    for (let n = 0; n < 10; n++) ids.push(await insertRow(n));
    const metrics = createOutboxRelayMetrics(createMetrics('relay-test'), 'relay_test');
    const relay = startTestRelay({ metrics, pollIntervalMs: 50 });
    const kafka = createKafka(testKafkaBrokers(), 'outbox-relay-test-reader', logger, testKafkaSasl());
    const consumer = kafka.consumer({ groupId: `relay-test-${randomUUID().slice(0, 8)}` });
    const received: { key: string; value: { n: number }; messageId: string }[] = [];
    try {
      await waitUntil('all rows published', async () => (await Promise.all(ids.map(published))).every(Boolean));
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.push({ key: message.key!.toString(), value: JSON.parse(message.value!.toString()), messageId: message.headers!['message-id']!.toString() });
        },
      });
      await waitUntil('all messages read back', async () => received.length >= 10, 30_000, 100);
      const { rows } = await pool.query<{ message_id: string }>('SELECT message_id FROM relay_test.outbox ORDER BY id');
      assert.deepEqual(
        received.map((m) => m.value.n),
        [...Array(10).keys()],
      );
      assert.deepEqual(
        received.map((m) => m.messageId),
        rows.map((r) => r.message_id),
      );
      assert.deepEqual(
        received.map((m) => m.key),
        received.map((m) => `entity-${m.value.n % 3}`),
      );
      assert.equal((await metrics.published.get()).values[0]?.value, 10);
      assert.equal((await metrics.leader.get()).values[0]?.value, 1);
    } finally {
      await consumer.disconnect();
      await relay.stop();
    }
    assert.equal((await metrics.leader.get()).values[0]?.value, 0, 'a stopped relay is no longer leader');
  });

  test('a wake-up that arrives while a batch is being sent is relayed right after that batch, not at the next poll', async () => {
    const kafka = createKafka(testKafkaBrokers(), 'outbox-relay-wakeup-test', logger, testKafkaSasl());
    // The real broker, with a gate in front of each send so the test can commit a write mid-send.
    const gate = gateProducerSends(kafka);
    const pollIntervalMs = 5_000;
    const relay = startTestRelay({ kafka, pollIntervalMs });
    try {
      // The relay's first look finds nothing; it then sleeps a whole poll unless woken.
      await sleep(200);
      const first = await insertRow(100);
      relay.notify();
      await gate.sending;
      const second = await insertRow(101);
      const notifiedAt = Date.now();
      relay.notify();
      gate.open();
      await waitUntil('first published', () => published(first));
      await waitUntil('second published', () => published(second), 2 * pollIntervalMs);
      const waitedMs = Date.now() - notifiedAt;
      assert.ok(waitedMs < pollIntervalMs / 5, `the second row waited ${waitedMs} ms (poll ${pollIntervalMs} ms)`);
    } finally {
      await relay.stop();
    }
  });

  test('a write notified on a replica that is not the leader wakes the leader at once (NOTIFY on its lock connection)', async () => {
    const pollIntervalMs = 5_000;
    const leaderPool = createPool(db.url, 2, logger);
    const metricsA = createOutboxRelayMetrics(createMetrics('relay-a'), 'relay_test');
    const relayA = startTestRelay({ pool: leaderPool, metrics: metricsA, pollIntervalMs });
    let relayB: OutboxRelay | undefined;
    try {
      await waitUntil('A leads', async () => (await metricsA.leader.get()).values[0]?.value === 1);
      relayB = startTestRelay({ pollIntervalMs });
      // A found nothing and sleeps a whole poll unless woken.
      await sleep(200);
      const row = await insertRow(300);
      const notifiedAt = Date.now();
      relayB.notify();
      await waitUntil('the row published', () => published(row), 2 * pollIntervalMs);
      const waitedMs = Date.now() - notifiedAt;
      assert.ok(waitedMs < pollIntervalMs / 5, `the row waited ${waitedMs} ms (poll ${pollIntervalMs} ms)`);
      assert.equal((await metricsA.published.get()).values[0]?.value, 1, 'the leader sent it');
    } finally {
      await relayB?.stop();
      await relayA.stop();
    }
    // Every connection of A's pool (its lock connection among them) is back, listening to nothing.
    const clients = await Promise.all([leaderPool.connect(), leaderPool.connect()]);
    try {
      for (const client of clients) assert.deepEqual((await client.query('SELECT pg_listening_channels() AS channel')).rows, []);
    } finally {
      for (const client of clients) client.release();
      await leaderPool.end();
    }
  });

  test('one leader at a time: when the leader loses its database, the other replica takes over and relays', async () => {
    // Replica A reaches PostgreSQL through a proxy the test can cut, as a crash or a partition would.
    const target = new URL(db.url);
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => (client.destroy(), upstream.destroy()));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const viaProxy = new URL(db.url);
    viaProxy.host = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    const poolA = createPool(viaProxy.toString(), 3, logger, { connectMs: 500 });
    poolA.on('error', () => undefined);
    const poolB = createPool(db.url, 3, logger);
    const metricsA = createOutboxRelayMetrics(createMetrics('relay-a'), 'relay_test');
    const metricsB = createOutboxRelayMetrics(createMetrics('relay-b'), 'relay_test');
    const leaderOf = async (metrics: typeof metricsA) => (await metrics.leader.get()).values[0]?.value ?? 0;
    const relayA = startTestRelay({ pool: poolA, metrics: metricsA, pollIntervalMs: 50 });
    let relayB: OutboxRelay | undefined;
    try {
      await waitUntil('A leads', async () => (await leaderOf(metricsA)) === 1);
      relayB = startTestRelay({ pool: poolB, metrics: metricsB, pollIntervalMs: 50 });
      const whileALeads = await insertRow(200);
      await waitUntil('A relays', () => published(whileALeads));
      assert.equal(await leaderOf(metricsB), 0, 'B waits while A holds the lock');
      assert.equal((await metricsB.published.get()).values[0]?.value ?? 0, 0);

      // A's database goes away: its lock connection with it, and it cannot reconnect.
      proxy.close();
      for (const socket of sockets) socket.destroy();
      await waitUntil('B leads', async () => (await leaderOf(metricsB)) === 1, 10_000, 50);
      assert.equal(await leaderOf(metricsA), 0);
      const afterFailover = await insertRow(201);
      relayB.notify();
      await waitUntil('B relays', () => published(afterFailover));
      assert.equal((await metricsB.published.get()).values[0]?.value, 1);
    } finally {
      await relayB?.stop();
      await relayA.stop();
      await poolA.end().catch(() => undefined);
      await poolB.end();
    }
  });
});
