import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

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
