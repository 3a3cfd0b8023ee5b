import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { testKafkaSasl } from '@ticketing/platform/testing';
import { ensureTopic } from '../../../scripts/local-stack/kafka.js';

/** A fresh topic `<prefix>-<random>` on `brokers` (comma-separated), created with `partitions`. */
export async function createTestTopic(brokers: string, prefix: string, partitions = 3): Promise<string> {
  const topic = `${prefix}-${randomUUID().slice(0, 8)}`;
  await ensureTopic(brokers, topic, partitions, testKafkaSasl());
  return topic;
}

export interface ConsumedMessage {
  key: string;
  /** The `message-id` header. */
  headerId: string;
  value: { id: string; type: string; data: Record<string, unknown>; [field: string]: unknown };
}

/** A record as read, undecoded: value text and headers as strings. */
export interface RawRecord {
  key: string | undefined;
  value: string;
  headers: Record<string, string>;
}

/** Reads `topic` from the beginning with a fresh consumer group until `until` holds (or the timeout), records undecoded. */
export async function readTopic(brokers: string | string[], topic: string, until: (records: RawRecord[]) => boolean, timeoutMs = 60_000): Promise<RawRecord[]> {
  const sasl = testKafkaSasl();
  const kafka = new Kafka({ clientId: 'test-consumer', brokers: [brokers].flat(), ...(sasl ? { sasl } : {}), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `test-${randomUUID()}` });
  const records: RawRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          records.push({
            key: message.key?.toString(),
            value: message.value?.toString() ?? '',
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
          });
          if (until(records)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Reads `topic` from the beginning with a fresh consumer group until `until` holds (or the timeout), values parsed as booking envelopes. */
export async function consumeTopic(
  brokers: string | string[],
  topic: string,
  until: (messages: ConsumedMessage[]) => boolean,
  timeoutMs = 60_000,
): Promise<ConsumedMessage[]> {
  const decode = (record: RawRecord): ConsumedMessage => ({ key: record.key!, headerId: record.headers['message-id'] ?? '', value: JSON.parse(record.value) });
  return (await readTopic(brokers, topic, (records) => until(records.map(decode)), timeoutMs)).map(decode);
}
