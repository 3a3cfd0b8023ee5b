import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ensureTopic } from '../../../scripts/local-stack/kafka.js';
import { createPool, withTransaction, type Pool } from '../src/db.js';
import { createKafka, runConsumer } from '../src/kafka.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { createStoredOffsets } from '../src/stored-offsets.js';
import { createTestDatabase, testKafkaBrokers, testKafkaSasl } from '../src/testing.js';

const logger = createLogger({}, 'error');

describe('offsets stored with the work in PostgreSQL', () => {
  let db: { url: string; drop(): Promise<void> };
  let pool: Pool;
  before(async () => {
    db = await createTestDatabase('offsets');
    pool = createPool(db.url, 5, logger);
    await pool.query(`CREATE SCHEMA jobs; CREATE TABLE jobs.consumer_offsets (consumer text NOT NULL, topic text NOT NULL, partition integer NOT NULL,
                        next_offset bigint NOT NULL, PRIMARY KEY (consumer, topic, partition))`);
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  test('a message is applied once: an offset below the stored one is skipped, a failed work claims nothing', async () => {
    const offsets = createStoredOffsets({ pool, schema: 'jobs', consumer: 'counting', topic: 't1' });
    const applied: string[] = [];
    const apply = (offset: string) => offsets.applyOnce(0, offset, async () => void applied.push(offset));
    assert.equal(await apply('5'), true);
    assert.equal(await apply('5'), false);
    assert.equal(await apply('3'), false);
    await assert.rejects(
      offsets.applyOnce(0, '6', async () => {
        throw new Error('work failed');
      }),
    );
    assert.deepEqual(await offsets.positions([0, 1]), new Map([[0, '6']]));
    assert.equal(await apply('6'), true);
    assert.deepEqual(applied, ['5', '6']);
    // Another consumer's state, or another topic, has offsets of its own.
    assert.deepEqual(await createStoredOffsets({ pool, schema: 'jobs', consumer: 'other', topic: 't1' }).positions([0]), new Map());
  });

  test('two replicas claiming the same offset at once: the second waits for the first and then skips it', async () => {
    const offsets = createStoredOffsets({ pool, schema: 'jobs', consumer: 'counting', topic: 't2' });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = withTransaction(pool, async (tx) => {
      const claimed = await offsets.claim(tx, 0, '0');
      await held;
      return claimed;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = withTransaction(pool, (tx) => offsets.claim(tx, 0, '0'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    assert.deepEqual(await Promise.all([first, second]), [true, false]);
  });

  test('runConsumer starts each assigned partition at its stored offset, even in a new group', { timeout: 60_000 }, async () => {
    const [broker] = testKafkaBrokers();
    const topic = `stored-offsets-${randomUUID().slice(0, 8)}`;
    await ensureTopic(broker!, topic, 2, testKafkaSasl());
    const kafka = createKafka(testKafkaBrokers(), 'stored-offsets-test', logger, testKafkaSasl());
    const producer = kafka.producer();
    await producer.connect();
    for (const partition of [0, 1]) {
      await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ partition, value: `p${partition}-${i}` })) });
    }
    await producer.disconnect();
    const offsets = createStoredOffsets({ pool, schema: 'jobs', consumer: 'counting', topic });
    await offsets.applyOnce(0, '5', async () => undefined);
    const handled: string[] = [];
    const consumer = await runConsumer({
      kafka,
      topic,
      group: `g-${randomUUID().slice(0, 8)}`,
      logger,
      metrics: createMetrics('stored-offsets-test'),
      fromBeginning: true,
      startPositions: (partitions) => offsets.positions(partitions),
      handle: async (message) => void handled.push(message.value!.toString()),
    });
    try {
      for (let i = 0; handled.length < 14 && i < 200; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      await consumer.stop();
    }
    const expected = [...Array.from({ length: 4 }, (_, i) => `p0-${i + 6}`), ...Array.from({ length: 10 }, (_, i) => `p1-${i}`)];
    assert.deepEqual([...handled].sort(), expected.sort());
  });
});
