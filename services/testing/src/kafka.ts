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

/** Reads `topic` from the beginning with a fresh consumer group until `until` holds (or the timeout). */
export async function consumeTopic(
  brokers: string | string[],
  topic: string,
  until: (messages: ConsumedMessage[]) => boolean,
  timeoutMs = 60_000,
): Promise<ConsumedMessage[]> {
  const sasl = testKafkaSasl();
  const kafka = new Kafka({ clientId: 'test-consumer', brokers: [brokers].flat(), ...(sasl ? { sasl } : {}), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `test-${randomUUID()}` });
  const messages: ConsumedMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          messages.push({
            key: message.key!.toString(),
            headerId: message.headers?.['message-id']?.toString() ?? '',
            value: JSON.parse(message.value!.toString()),
          });
          if (until(messages)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
