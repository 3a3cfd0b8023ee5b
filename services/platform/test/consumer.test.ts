import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureTopic } from '../../../scripts/local-stack/kafka.js';
import type { KafkaMessage } from 'kafkajs';
import { createPool, migrate, platformMigrations, type Pool, type Tx } from '../src/db.js';
import { backoffDelayMs, createKafka, messageIdOf, runConsumer } from '../src/kafka.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { createTestDatabase, testKafkaBrokers, testKafkaSasl } from '../src/testing.js';

/** Polls until `probe` is true (the platform's tests cannot use @ticketing/testing, which depends on it). */
async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await probe()); await sleep(100)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** `npm run -s dlq:replay -- <args>` as an operator types it, against the test broker; resolves with what it printed. */
async function dlqReplay(...args: string[]): Promise<string> {
  const sasl = testKafkaSasl();
  const { stdout } = await promisify(execFile)('npm', ['run', '-s', 'dlq:replay', '--', ...args], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      KAFKA_BROKERS: testKafkaBrokers().join(','),
      ...(sasl ? { KAFKA_SASL_USERNAME: sasl.username, KAFKA_SASL_PASSWORD: sasl.password } : {}),
    },
    timeout: 60_000,
  });
  return stdout.trim().split('\n').at(-1) ?? '';
}

describe('runConsumer on real Kafka', () => {
  test('processes, retries, dead-letters a message that keeps failing, and reports outcomes and lag', { timeout: 60_000 }, async () => {
    const [broker] = testKafkaBrokers();
    const topic = `consumer-test-${randomUUID().slice(0, 8)}`;
    await ensureTopic(broker!, topic, 1, testKafkaSasl());
    await ensureTopic(broker!, `${topic}.dlq`, 1, testKafkaSasl());
    const logger = createLogger({}, 'error');
    const kafka = createKafka(testKafkaBrokers(), 'consumer-test', logger, testKafkaSasl());
    const metrics = createMetrics('consumer-test');
    const seen: string[] = [];
    const group = `g-${randomUUID().slice(0, 8)}`;
    const consumer = await runConsumer({
      kafka,
      topic,
      group,
      logger,
      metrics,
      fromBeginning: true,
      handle: async (message) => {
        const value = message.value!.toString();
        if (value === 'poison') throw new Error('cannot handle poison');
        seen.push(value);
      },
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: ['a', 'poison', 'b'].map((value) => ({ value })) });
    const dlq = kafka.consumer({ groupId: `dlq-${group}` });
    const dead: { value: string; headers: Record<string, string> }[] = [];
    try {
      await dlq.connect();
      await dlq.subscribe({ topic: `${topic}.dlq`, fromBeginning: true });
      await dlq.run({
        eachMessage: async ({ message }) =>
          void dead.push({
            value: message.value!.toString(),
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
          }),
      });
      const deadline = Date.now() + 45_000;
      while ((seen.length < 2 || dead.length < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(seen, ['a', 'b']);
      assert.equal(dead[0]?.value, 'poison');
      assert.equal(dead[0]?.headers['dlq-topic'], topic);
      assert.equal(dead[0]?.headers['dlq-offset'], '1');
      assert.equal(dead[0]?.headers['dlq-group'], group);
      assert.equal(dead[0]?.headers['dlq-attempts'], '3');
      assert.equal(dead[0]?.headers['dlq-error'], 'cannot handle poison');

      const exposed = await metrics.registry.metrics();
      const sample = (outcome: string) =>
        new RegExp(`kafka_consumer_messages_total\\{topic="${topic}",group="${group}",outcome="${outcome}"[^}]*\\} (\\d+)`).exec(exposed)?.[1];
      assert.equal(sample('processed'), '2');
      assert.equal(sample('failed'), '3', 'three attempts');
      assert.equal(sample('dead_lettered'), '1');
      assert.match(exposed, new RegExp(`kafka_consumer_lag\\{topic="${topic}",group="${group}",partition="0"[^}]*\\} 0`));
    } finally {
      await dlq.disconnect();
      await producer.disconnect();
      await consumer.stop();
    }
  });
});

describe('runConsumer with a database: effectively once', () => {
  const schema = 'consumer_test';
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  const logger = createLogger({}, 'error');
  before(async () => {
    db = await createTestDatabase('consumer');
    pool = createPool(db.url, 5, logger);
    await migrate(pool, schema, [platformMigrations], logger);
    await pool.query(`CREATE TABLE ${schema}.effects (message_id text, value text)`);
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  const setUp = async (name: string) => {
    const [broker] = testKafkaBrokers();
    const topic = `${name}-${randomUUID().slice(0, 8)}`;
    await ensureTopic(broker!, topic, 2, testKafkaSasl());
    await ensureTopic(broker!, `${topic}.dlq`, 1, testKafkaSasl());
    const kafka = createKafka(testKafkaBrokers(), name, logger, testKafkaSasl());
    const producer = kafka.producer();
    await producer.connect();
    const send = (messages: { id: string; value: string }[]) =>
      producer.send({ topic, messages: messages.map((m) => ({ key: 'k', value: m.value, headers: { 'message-id': m.id } })) });
    const group = `g-${randomUUID().slice(0, 8)}`;
    /** What every consumer of these tests shares: this topic, a fresh group, fast retries, the dedupe table. */
    const base = { kafka, topic, group, logger, fromBeginning: true, backoff: { initialMs: 10, maxMs: 50 }, database: { pool, schema } };
    return { topic, kafka, producer, send, group, base };
  };
  const effects = async () => (await pool.query(`SELECT message_id, value FROM ${schema}.effects ORDER BY value`)).rows;

  test("a redelivered message is skipped; a failed attempt's writes roll back; /readyz follows the group membership", { timeout: 60_000 }, async () => {
    await pool.query(`TRUNCATE ${schema}.effects`);
    const { topic, producer, send, group, base } = await setUp('dedupe');
    let flakyAttempts = 0;
    const metrics = createMetrics('dedupe-test');
    const consumer = await runConsumer({
      ...base,
      metrics,
      handle: async (message: KafkaMessage, _partition: number, tx: Tx) => {
        const value = message.value!.toString();
        await tx.query(`INSERT INTO ${schema}.effects VALUES ($1, $2)`, [messageIdOf(message, topic, 0), value]);
        if (value === 'flaky' && ++flakyAttempts === 1) throw new Error('first attempt fails after writing');
      },
    });
    try {
      await waitUntil('the consumer to join its group', async () =>
        consumer.readiness.check().then(
          () => true,
          () => false,
        ),
      );
      await send([
        { id: 'm-a', value: 'a' },
        { id: 'm-flaky', value: 'flaky' },
        { id: 'm-a', value: 'a' },
      ]);
      await waitUntil('both messages', async () => (await effects()).length >= 2);
      await waitUntil('the duplicate to be counted', async () => /outcome="duplicate"[^}]*\} 1/.test(await metrics.registry.metrics()));
      assert.deepEqual(await effects(), [
        { message_id: 'm-a', value: 'a' },
        { message_id: 'm-flaky', value: 'flaky' },
      ]);
      assert.equal(flakyAttempts, 2);
      const recorded = await pool.query(`SELECT message_id FROM ${schema}.consumed_messages WHERE consumer_group = $1 ORDER BY message_id`, [group]);
      assert.deepEqual(
        recorded.rows.map((r) => r.message_id),
        ['m-a', 'm-flaky'],
      );
    } finally {
      await producer.disconnect();
      await consumer.stop();
    }
    await assert.rejects(consumer.readiness.check(), /not a member of consumer group/);
  });

  test('while a message waits out a database outage, the lag keeps counting what arrives behind it', { timeout: 60_000 }, async () => {
    const { producer, send, group, base, topic } = await setUp('lag');
    let outage = true;
    const metrics = createMetrics('lag-test');
    const consumer = await runConsumer({
      ...base,
      metrics,
      lagRefreshMs: 200,
      handle: async (message: KafkaMessage) => {
        if (message.value!.toString() === 'stuck' && outage) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      },
    });
    // Every message has key 'k': one partition.
    const lags = async () =>
      [
        ...(await metrics.registry.metrics()).matchAll(
          new RegExp(`kafka_consumer_lag\\{topic="${topic}",group="${group}",partition="\\d+"[^}]*\\} (\\d+)`, 'g'),
        ),
      ].map((m) => Number(m[1]));
    try {
      await send([{ id: 'l-ok', value: 'ok' }]);
      await waitUntil('the first message to be handled', async () => (await lags()).length === 1);
      assert.deepEqual(await lags(), [0]);
      await send([{ id: 'l-stuck', value: 'stuck' }]);
      await sleep(500);
      // Produced while the one before them waits: no batch brings them, the refresh counts them.
      await send(Array.from({ length: 4 }, (_, i) => ({ id: `l-${i}`, value: `behind-${i}` })));
      await waitUntil('the lag to count the five waiting messages', async () => (await lags())[0] === 5, 10_000);
      outage = false;
      await waitUntil('the lag to go back to 0 once the database is back', async () => (await lags())[0] === 0, 20_000);
    } finally {
      await producer.disconnect();
      await consumer.stop();
    }
  });

  test('after a fix, npm run dlq:replay sends the parked message back; it is handled once and not replayed again', { timeout: 90_000 }, async () => {
    await pool.query(`TRUNCATE ${schema}.effects`);
    const { topic, kafka, producer, send, group, base } = await setUp('replay');
    let fixed = false;
    const consumer = await runConsumer({
      ...base,
      metrics: createMetrics('replay-test'),
      handle: async (message: KafkaMessage, _partition: number, tx: Tx) => {
        if (!fixed) throw new Error('a bug');
        await tx.query(`INSERT INTO ${schema}.effects VALUES ($1, $2)`, [messageIdOf(message, topic, 0), message.value!.toString()]);
      },
    });
    try {
      await send([{ id: 'm-parked', value: 'parked' }]);
      const admin = kafka.admin();
      await admin.connect();
      await waitUntil('the message to be dead-lettered', async () => (await admin.fetchTopicOffsets(`${topic}.dlq`)).some((p) => p.high !== '0'));
      await admin.disconnect();
      fixed = true;
      const dlq = `${topic}.dlq`;
      assert.equal(await dlqReplay('--group', 'another-group', '--topic', dlq), 'replayed 0, left 1 of other groups');
      assert.equal(await dlqReplay('--group', group, '--topic', dlq, '--dry-run'), 'would replay 1, left 0 of other groups');
      assert.deepEqual(await effects(), [], 'a dry run sends nothing');
      assert.equal(await dlqReplay('--group', group, '--topic', dlq), 'replayed 1, left 0 of other groups');
      await waitUntil('the replayed message', async () => (await effects()).length === 1);
      assert.deepEqual(await effects(), [{ message_id: 'm-parked', value: 'parked' }], 'the original message id travels with it');
      assert.equal(await dlqReplay('--group', group, '--topic', dlq), 'replayed 0, left 0 of other groups', 'a second run sends nothing again');
      await assert.rejects(dlqReplay('--topic', dlq), /Usage: npm run dlq:replay/, 'without --group or --all it says how to call it');
    } finally {
      await producer.disconnect();
      await consumer.stop();
    }
  });
});

test('a consumer that cannot start (its topic does not exist) leaves no Kafka client connected', { timeout: 60_000 }, async () => {
  const logger = createLogger({}, 'error');
  const kafka = createKafka(testKafkaBrokers(), 'consumer-start-test', logger, testKafkaSasl());
  const connected = new Set<string>();
  for (const kind of ['producer', 'consumer'] as const) {
    const create = kafka[kind].bind(kafka) as (...args: unknown[]) => { connect(): Promise<void>; disconnect(): Promise<void> };
    (kafka as unknown as Record<string, unknown>)[kind] = (...args: unknown[]) => {
      const client = create(...args);
      const [connect, disconnect] = [client.connect.bind(client), client.disconnect.bind(client)];
      client.connect = async () => {
        await connect();
        connected.add(kind);
      };
      client.disconnect = async () => {
        await disconnect();
        connected.delete(kind);
      };
      return client;
    };
  }
  await assert.rejects(
    runConsumer({
      kafka,
      topic: `missing-${randomUUID().slice(0, 8)}`,
      group: `g-${randomUUID().slice(0, 8)}`,
      logger,
      metrics: createMetrics('t'),
      handle: async () => {},
    }),
  );
  assert.deepEqual([...connected], [], 'clients left connected after a failed start');
});

test('backoff doubles up to its cap, with half of each delay random', () => {
  const backoff = { initialMs: 100, maxMs: 1_000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, backoff, () => 1)),
    [100, 200, 400, 800, 1000],
  );
  assert.deepEqual(
    [1, 2, 5].map((n) => backoffDelayMs(n, backoff, () => 0)),
    [50, 100, 500],
  );
});
