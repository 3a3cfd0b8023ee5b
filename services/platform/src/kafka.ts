import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type IHeaders, type KafkaMessage, type Producer } from 'kafkajs';
import { isTransientDatabaseError } from './database-errors.js';
import { pgIdent, releaseClient, type Pool, type Tx } from './db.js';
import type { ReadinessCheck } from './http.js';
import type { Logger } from './log.js';
import { createConsumerMetrics, type ConsumerMetrics, type Metrics } from './metrics.js';

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

/** Headers a dead-lettered message carries besides its own: where it came from and why it failed. */
export const deadLetterHeaders = {
  topic: 'dlq-topic',
  partition: 'dlq-partition',
  offset: 'dlq-offset',
  group: 'dlq-group',
  error: 'dlq-error',
  attempts: 'dlq-attempts',
  failedAt: 'dlq-failed-at',
} as const;

/** The id a message is deduplicated on: its `message-id` header, else its place in the log. */
export function messageIdOf(message: KafkaMessage, topic: string, partition: number): string {
  const header = message.headers?.['message-id'];
  const id = Array.isArray(header) ? header[0] : header;
  return id ? id.toString() : `${topic}/${partition}/${message.offset}`;
}

/** Retry delay before attempt `attempt + 1`: exponential, capped, with "equal jitter" (half fixed, half random). */
export function backoffDelayMs(attempt: number, backoff: { initialMs: number; maxMs: number }, random = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (attempt - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

interface CommonConsumerOptions {
  kafka: Kafka;
  topic: string;
  group: string;
  logger: Logger;
  metrics: Pick<Metrics, 'registry' | 'kafkaProduceErrors'>;
  /** Attempts per message before it goes to the dead-letter topic. @default 3 */
  maxAttempts?: number;
  /** Delays between attempts (exponential with jitter). @default { initialMs: 100, maxMs: 5000 } */
  backoff?: { initialMs: number; maxMs: number };
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
  /**
   * How often the lag is measured again against the partitions' ends, so it keeps growing while a
   * message is retried (no batch arrives then to say how far the partition has moved). @default 10000
   */
  lagRefreshMs?: number;
}

/**
 * Without `database`: at least once, the handler must be idempotent itself.
 * With `database`: effectively once: each attempt is one transaction that
 * records the message id in `<schema>.consumed_messages` (a platform
 * migration) together with the handler's writes, so a redelivered message
 * (rebalance, crash before the offset commit, DLQ replay) is skipped.
 */
export type ConsumerOptions = CommonConsumerOptions &
  (
    | { database?: undefined; /** Handles one message; a throw is a failed attempt. */ handle(message: KafkaMessage, partition: number): Promise<void> }
    | {
        database: { pool: Pool; schema: string };
        /** Handles one message inside `tx`; a throw rolls the attempt back. */
        handle(message: KafkaMessage, partition: number, tx: Tx): Promise<void>;
      }
  );

export interface RunningConsumer {
  /** Leaves the group after the message in hand; resolved offsets are committed. */
  stop(): Promise<void>;
  /** For /readyz: fails while this process is not a member of its consumer group. */
  readiness: ReadinessCheck;
}

/** How long the group waits for a silent member before its partitions go to the others. */
export const consumerSessionTimeoutMs = 10_000;

/** Consumed message ids are kept twice as long as the topics keep messages (7 days), then purged. */
const dedupeRetentionDays = 14;

type Outcome = 'processed' | 'duplicate';

/**
 * The one way a service consumes. Each message is tried up to `maxAttempts`
 * times with backoff; a database outage is waited out instead (it is nobody's
 * poison). A message that keeps failing is parked on the dead-letter topic and
 * the partition goes on. Offsets are committed only after a message's
 * transaction (or its dead-lettering), so a crash redelivers, never skips.
 * Reports kafka_consumer_messages_total and kafka_consumer_lag per partition
 * (after each message, and every `lagRefreshMs` from the partitions' ends).
 */
export async function runConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const { topic, group, logger } = options;
  const maxAttempts = options.maxAttempts ?? 3;
  const backoff = options.backoff ?? { initialMs: 100, maxMs: 5_000 };
  const deadLetterTopic = options.deadLetterTopic ?? `${topic}.dlq`;
  const metrics = createConsumerMetrics(options.metrics.registry);
  metrics.subscribed(topic, group);
  // A member that died (SIGKILL, lost node) holds its partitions until its session times out: keep that short.
  const consumer = options.kafka.consumer({ groupId: group, sessionTimeout: consumerSessionTimeoutMs, heartbeatInterval: consumerSessionTimeoutMs / 5 });
  const producer = createReliableProducer(options.kafka, options.metrics);
  let member = false;
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    member = true;
    metrics.assigned(topic, group, payload.memberAssignment[topic] ?? []);
  });
  for (const left of [consumer.events.STOP, consumer.events.DISCONNECT]) consumer.on(left, () => void (member = false));
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    member = false;
    if (!payload.restart) logger.error('consumer: crashed and will not restart', { topic, group, error: payload.error });
  });

  const handleOnce = async (message: KafkaMessage, partition: number): Promise<Outcome> => {
    if (!options.database) {
      await options.handle(message, partition);
      return 'processed';
    }
    const { pool, schema } = options.database;
    const tx = await pool.connect();
    let failure: unknown;
    try {
      await tx.query('BEGIN');
      const { rowCount } = await tx.query(
        `INSERT INTO ${pgIdent(schema)}.consumed_messages (consumer_group, message_id, topic, partition, "offset")
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [group, messageIdOf(message, topic, partition), topic, partition, message.offset],
      );
      if (rowCount === 1) await options.handle(message, partition, tx);
      await tx.query('COMMIT');
      return rowCount === 1 ? 'processed' : 'duplicate';
    } catch (error) {
      failure = error;
      await tx.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      releaseClient(tx, failure);
    }
  };

  const deadLetter = async (message: KafkaMessage, partition: number, error: unknown, attempts: number): Promise<void> => {
    logger.warn('consumer: message dead-lettered', { topic, group, partition, offset: message.offset, attempts, error });
    const headers: IHeaders = {
      ...message.headers,
      [deadLetterHeaders.topic]: topic,
      [deadLetterHeaders.partition]: String(partition),
      [deadLetterHeaders.offset]: message.offset,
      [deadLetterHeaders.group]: group,
      [deadLetterHeaders.error]: String((error as Error)?.message ?? error).slice(0, 2000),
      [deadLetterHeaders.attempts]: String(attempts),
      [deadLetterHeaders.failedAt]: new Date().toISOString(),
    };
    await producer.send({ topic: deadLetterTopic, acks: -1, messages: [{ key: message.key, value: message.value, headers }] });
    metrics.handled(topic, group, 'dead_lettered');
  };

  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? false });
  } catch (error) {
    // A caller that retries (a topic not created yet) must not leave two live clients behind per attempt.
    await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
    throw error;
  }
  // Where the latest assignment starts, per partition: seeked to, and a batch fetched before the seek skips what lies below.
  let startingAt: Promise<ReadonlyMap<number, string> | undefined> = Promise.resolve(undefined);
  const { startPositions } = options;
  if (startPositions) {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      startingAt = startPositions(payload.memberAssignment[topic] ?? []).then(
        (positions) => {
          try {
            for (const [partition, offset] of positions) consumer.seek({ topic, partition, offset });
          } catch (error) {
            // The consumer stopped while the positions were read (a rebalance during shutdown): nothing left to seek.
            logger.debug('consumer: seek to stored positions skipped', { topic, group, error: (error as Error).message });
          }
          return positions;
        },
        (error: unknown) => void logger.warn('consumer: stored positions not read; starting at committed offsets', { topic, group, error }),
      );
    });
  }
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }) => {
      const live = () => isRunning() && !isStale();
      /** Waits `ms` while heartbeating; false when the consumer is stopping or lost the partition. */
      const pause = async (ms: number): Promise<boolean> => {
        for (const end = Date.now() + ms; Date.now() < end && live();) {
          await sleep(Math.min(500, end - Date.now()));
          await heartbeat();
        }
        return live();
      };
      const startOffset = (await startingAt)?.get(batch.partition);
      messages: for (const message of batch.messages) {
        if (!live()) break;
        if (startOffset !== undefined && BigInt(message.offset) < BigInt(startOffset)) {
          resolveOffset(message.offset);
          continue;
        }
        for (let attempt = 1; ; attempt++) {
          try {
            metrics.handled(topic, group, await handleOnce(message, batch.partition));
            break;
          } catch (error) {
            metrics.handled(topic, group, 'failed');
            const outage = options.database !== undefined && isTransientDatabaseError(error);
            if (outage) logger.warn('consumer: database unavailable; waiting', { topic, group, error: (error as Error).message });
            if (!outage && attempt >= maxAttempts) {
              await deadLetter(message, batch.partition, error, attempt);
              break;
            }
            // Stopping or rebalanced away: the offset stays unresolved, so the next owner gets the message.
            if (!(await pause(backoffDelayMs(Math.min(attempt, 30), backoff)))) break messages;
          }
        }
        resolveOffset(message.offset);
        metrics.position(topic, group, batch.partition, batch.highWatermark, message.offset);
        await heartbeat();
      }
      await commitOffsetsIfNecessary();
    },
  });

  const purge = options.database && startDedupePurge(options.database, group, logger);
  const lagRefresh = startLagRefresh(options.kafka, topic, group, options.lagRefreshMs ?? 10_000, metrics, logger);
  return {
    async stop() {
      if (purge) clearInterval(purge);
      await lagRefresh.stop();
      await consumer.disconnect();
      await producer.disconnect();
    },
    readiness: {
      name: `kafka-consumer-${group}`,
      check: async () => {
        if (!member) throw new Error(`not a member of consumer group ${group}`);
      },
    },
  };
}

/**
 * Every `intervalMs`, reads the ends of `topic`'s partitions for the lag of
 * those this process handled messages of. A failed read is tried again at the next interval.
 */
function startLagRefresh(kafka: Kafka, topic: string, group: string, intervalMs: number, metrics: ConsumerMetrics, logger: Logger): { stop(): Promise<void> } {
  const admin = kafka.admin();
  let connected: Promise<void> | undefined;
  let reading = false;
  const timer = setInterval(() => {
    if (reading || !metrics.reporting) return;
    reading = true;
    connected ??= admin.connect();
    connected
      .then(() => admin.fetchTopicOffsets(topic))
      .then((ends) => metrics.ends(topic, group, ends))
      .catch((error: unknown) => {
        connected = undefined;
        logger.debug('consumer: partition ends not read; the lag is measured again at the next interval', { topic, group, error: (error as Error).message });
      })
      .finally(() => (reading = false));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      if (connected) await admin.disconnect().catch(() => undefined);
    },
  };
}

function startDedupePurge(database: { pool: Pool; schema: string }, group: string, logger: Logger): NodeJS.Timeout {
  const timer = setInterval(
    () => {
      database.pool
        .query(`DELETE FROM ${pgIdent(database.schema)}.consumed_messages WHERE consumer_group = $1 AND consumed_at < now() - make_interval(days => $2)`, [
          group,
          dedupeRetentionDays,
        ])
        .catch((error: unknown) => logger.warn('consumer: purge of consumed message ids failed', { error }));
    },
    60 * 60 * 1000,
  );
  timer.unref();
  return timer;
}
