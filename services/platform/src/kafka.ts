import { Kafka, logLevel, type KafkaMessage, type Producer } from 'kafkajs';
import type { Logger } from './log.js';
import { createConsumerMetrics, type Metrics } from './metrics.js';

// One level down: kafkajs reports every failed connection attempt as an
// error; the code using the client decides what is really an error.
const levelNames: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'warn',
  [logLevel.WARN]: 'info',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

const connectionNamespaces = new Set(['Connection', 'BrokerPool']);
const connectionFailure =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|Connection (error|timeout)|connect to (seed )?broker|Closed connection|KafkaJSConnectionError|KafkaJSNumberOfRetriesExceeded/i;

/** A kafkajs client that logs through our JSON logger. */
export function createKafka(brokers: readonly string[], clientId: string, logger: Logger, sasl?: { username: string; password: string }): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    ...(sasl?.username ? { sasl: { mechanism: 'scram-sha-512' as const, username: sasl.username, password: sasl.password } } : {}),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    // Reconnects are driven by our own loops (outbox relay); keep client retries short.
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2_000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }) => {
        const { message, ...rest } = log;
        // While a broker is down kafkajs reports every connection attempt (about
        // 200 lines a minute); the code using the client logs the outage once.
        const perAttempt = connectionNamespaces.has(namespace) || connectionFailure.test(String(message)) || connectionFailure.test(String(rest.error ?? ''));
        logger[perAttempt ? 'debug' : (levelNames[level] ?? 'info')](`kafka: ${message}`, { namespace, ...rest });
      },
  });
}

/**
 * Producer for events that must not be lost or duplicated by retries:
 * idempotent, acks from all in-sync replicas (set per send), one request in flight.
 * Every failed send counts in kafka_produce_errors_total, per topic.
 */
export function createReliableProducer(kafka: Kafka, metrics: Pick<Metrics, 'kafkaProduceErrors'>): Producer {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const counted =
    <A extends unknown[], R>(send: (...args: A) => Promise<R>, topicsOf: (...args: A) => string[]) =>
    async (...args: A): Promise<R> => {
      try {
        return await send(...args);
      } catch (error) {
        for (const topic of new Set(topicsOf(...args))) metrics.kafkaProduceErrors.inc({ topic });
        throw error;
      }
    };
  producer.send = counted(producer.send.bind(producer), (record) => [record.topic]);
  producer.sendBatch = counted(producer.sendBatch.bind(producer), (batch) => (batch.topicMessages ?? []).map((m) => m.topic));
  return producer;
}

export interface ConsumerOptions {
  kafka: Kafka;
  topic: string;
  group: string;
  logger: Logger;
  metrics: Pick<Metrics, 'registry' | 'kafkaProduceErrors'>;
  /** Handles one message; a throw is a failed attempt. */
  handle(message: KafkaMessage, partition: number): Promise<void>;
  /** Attempts per message before it goes to the dead-letter topic. @default 3 */
  maxAttempts?: number;
  /** Where messages that keep failing go, with headers saying where they came from. @default `<topic>.dlq` */
  deadLetterTopic?: string;
  /** @default false: only messages produced after the group first joins */
  fromBeginning?: boolean;
  /**
   * Where each newly assigned partition starts, when the consumer keeps its
   * offsets with its work (stored-offsets.ts); a partition left out starts at
   * the group's committed offset. @default none
   */
  startPositions?(partitions: number[]): Promise<ReadonlyMap<number, string>>;
}

/**
 * The one way a service consumes: at-least-once (offsets committed after the
 * handler), a message that keeps failing is dead-lettered instead of blocking
 * its partition, and kafka_consumer_messages_total / kafka_consumer_lag are
 * reported for the topic and group.
 */
export async function runConsumer(options: ConsumerOptions): Promise<{ stop(): Promise<void> }> {
  const { topic, group, logger } = options;
  const maxAttempts = options.maxAttempts ?? 3;
  const deadLetterTopic = options.deadLetterTopic ?? `${topic}.dlq`;
  const metrics = createConsumerMetrics(options.metrics.registry);
  metrics.subscribed(topic, group);
  const consumer = options.kafka.consumer({ groupId: group });
  const producer = createReliableProducer(options.kafka, options.metrics);
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? false });
  // Where the latest assignment starts, per partition: seeked to, and a batch fetched before the seek skips what lies below.
  let startingAt: Promise<ReadonlyMap<number, string> | undefined> = Promise.resolve(undefined);
  const { startPositions } = options;
  if (startPositions) {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      startingAt = startPositions(payload.memberAssignment[topic] ?? []).then(
        (positions) => {
          for (const [partition, offset] of positions) consumer.seek({ topic, partition, offset });
          return positions;
        },
        (error: unknown) => void logger.warn('consumer: stored positions not read; starting at committed offsets', { topic, group, error }),
      );
    });
  }
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      const startOffset = (await startingAt)?.get(batch.partition);
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break;
        if (startOffset !== undefined && BigInt(message.offset) < BigInt(startOffset)) {
          resolveOffset(message.offset);
          continue;
        }
        let lastError: unknown;
        for (let attempt = 1; attempt <= maxAttempts; attempt++) {
          try {
            await options.handle(message, batch.partition);
            lastError = undefined;
            break;
          } catch (error) {
            lastError = error;
            metrics.handled(topic, group, 'failed');
          }
        }
        if (lastError === undefined) {
          metrics.handled(topic, group, 'processed');
        } else {
          logger.warn('consumer: message dead-lettered', { topic, group, partition: batch.partition, offset: message.offset, error: lastError });
          await producer.send({
            topic: deadLetterTopic,
            acks: -1,
            messages: [
              {
                key: message.key,
                value: message.value,
                headers: {
                  ...message.headers,
                  'dlq-topic': topic,
                  'dlq-partition': String(batch.partition),
                  'dlq-offset': message.offset,
                  'dlq-error': String((lastError as Error)?.message ?? lastError),
                },
              },
            ],
          });
          metrics.handled(topic, group, 'dead_lettered');
        }
        resolveOffset(message.offset);
        metrics.position(topic, group, batch.partition, batch.highWatermark, message.offset);
        await heartbeat();
      }
    },
  });
  return {
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
