import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { Logger } from './log.js';

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
 */
export function createReliableProducer(kafka: Kafka): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
}
