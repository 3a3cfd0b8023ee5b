import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { ensureTopic } from '../../../scripts/local-stack/kafka.js';
import { createKafka, runConsumer } from '../src/kafka.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { testKafkaBrokers, testKafkaSasl } from '../src/testing.js';

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
