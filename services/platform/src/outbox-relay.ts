import type { Kafka, Producer } from 'kafkajs';
import type pg from 'pg';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Pool } from './db.js';
import { createReliableProducer } from './kafka.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { wakeableSleep } from './wakeable-sleep.js';

/** How often the leader proves its lock connection still answers (a dead peer may never send a reset). */
const lockCheckIntervalMs = 5_000;
const lockCheckTimeoutMs = 2_000;

/** A row as read from an outbox table: its `id` (bigint, as text) and the columns the relay was told to read. */
export type OutboxRow = pg.QueryResultRow & { id: string };

/** The Kafka message one outbox row becomes. */
export interface OutboxMessage {
  topic: string;
  key: string;
  /** The message body as sent (JSON text). */
  value: string;
  headers: Record<string, string>;
}

/** What a relay records: Kafka's produce errors always; the relay's own series where the service declares them. */
export interface OutboxRelayMetrics {
  kafkaProduceErrors: Metrics['kafkaProduceErrors'];
  /** Rows acknowledged by Kafka. */
  published?: Counter;
  /** Failed attempts to publish a batch. */
  failures?: Counter;
  /** Time Kafka took to acknowledge one batch. */
  publishDuration?: Histogram;
  /** 1 while this replica is the relay leader. */
  leader?: Gauge;
}

/**
 * The relay's own series, named `<prefix>_published_total`,
 * `<prefix>_publish_failures_total`, `<prefix>_publish_duration_seconds` and
 * `<prefix>_relay_leader` (docs/metrics.md lists each service's).
 */
export function createOutboxRelayMetrics(metrics: Pick<Metrics, 'registry' | 'kafkaProduceErrors'>, prefix: string): Required<OutboxRelayMetrics> {
  const registers: Registry[] = [metrics.registry];
  return {
    kafkaProduceErrors: metrics.kafkaProduceErrors,
    published: new Counter({ name: `${prefix}_published_total`, help: 'Outbox messages acknowledged by Kafka.', registers }),
    failures: new Counter({ name: `${prefix}_publish_failures_total`, help: 'Failed attempts to publish an outbox batch.', registers }),
    publishDuration: new Histogram({
      name: `${prefix}_publish_duration_seconds`,
      help: 'Time Kafka took to acknowledge one relayed outbox batch.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    leader: new Gauge({ name: `${prefix}_relay_leader`, help: '1 while this replica is the outbox relay leader.', registers }),
  };
}

export interface OutboxRelayOptions<Row extends OutboxRow> {
  pool: Pool;
  kafka: Kafka;
  logger: Logger;
  metrics: OutboxRelayMetrics;
  /** Names the relay in its log lines ("outbox relay: became leader"). */
  name: string;
  /** Advisory lock key naming the leader (any constant, shared by every replica of the service); also the channel other replicas wake it on. */
  lockKey: string;
  /** Schema-qualified outbox table: a bigint `id` in write order and a nullable timestamptz `published_at`. */
  table: string;
  /** The columns a message is made of, `id` among them (a SQL select list: a constant of the service, never input). */
  columns: string;
  /** The message a row becomes: topic, key, body and headers. */
  message(row: Row): OutboxMessage;
  /** How long an idle relay waits before looking again (a wake-up ends the wait). */
  pollIntervalMs: number;
  /** @default 200 */
  batchSize?: number;
  /** The rows Kafka just acknowledged, once marked published (to count what they say). */
  onPublished?(rows: readonly Row[]): void;
  /** Runs on the leader when a round found nothing to send (housekeeping of the table). */
  onIdle?(): Promise<void>;
}

export interface OutboxRelay {
  /** Wakes the leader to look now (after a write) instead of at the next poll: at once here, by NOTIFY from any other replica. */
  notify(): void;
  /** Stops after the batch under way, and gives up leadership. */
  stop(): Promise<void>;
}

/** A failure talking to Kafka (as opposed to PostgreSQL), so the loop can report Kafka's state. */
class KafkaUnavailable extends Error {
  constructor(cause: unknown) {
    super((cause as Error).message, { cause });
  }
}

async function toKafka<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw new KafkaUnavailable(error);
  }
}

/**
 * Relays the rows of an outbox table to Kafka in id order. Exactly one replica
 * relays at a time (a PostgreSQL advisory lock held on a dedicated connection;
 * if that replica dies, its connection closes and another takes over), so
 * messages keep their order. A row is marked published only after Kafka
 * acknowledged it from all in-sync replicas; if Kafka is down the rows wait
 * and go out, with the same message ids, when it is back. A crash between ack
 * and mark re-sends a message with its original id: consumers deduplicate.
 * A write on any replica wakes the leader (`notify()`: in-process here, a
 * NOTIFY it LISTENs for on its lock connection elsewhere), so rows go out at
 * once rather than at the next poll.
 */
export function startOutboxRelay<Row extends OutboxRow>(options: OutboxRelayOptions<Row>): OutboxRelay {
  const { pool, logger, metrics, name, lockKey } = options;
  const batchSize = options.batchSize ?? 200;
  // Named, so each is prepared once per connection: under load the leader runs them many times a second.
  const selectBatch = {
    name: `${options.table}:select-batch`,
    text: `SELECT ${options.columns} FROM ${options.table} WHERE published_at IS NULL ORDER BY id LIMIT $1`,
  };
  const markPublished = { name: `${options.table}:mark-published`, text: `UPDATE ${options.table} SET published_at = now() WHERE id = ANY($1::bigint[])` };

  let stopped = false;
  let lockClient: pg.PoolClient | undefined;
  let lockCheckedAt = 0;
  let producer: Producer | undefined;
  const pause = wakeableSleep();
  let failuresInRow = 0;
  let kafkaDown = false;
  const wakeUp = () => pause.wake();
  /** A NOTIFY to the leader is under way; `again`: another write came meanwhile, so one more follows. */
  let wakingLeader: { again: boolean } | undefined;

  /** Tells the leader (another replica) of a write: one NOTIFY in flight at a time, however many writes. */
  function wakeLeader(): void {
    if (wakingLeader) {
      wakingLeader.again = true;
      return;
    }
    const waking = (wakingLeader = { again: false });
    pool
      .query("SELECT pg_notify($1, '')", [lockKey])
      // Not told, the leader still finds the rows at its next poll.
      .catch(() => undefined)
      .finally(() => {
        wakingLeader = undefined;
        if (waking.again && !stopped) wakeLeader();
      });
  }

  /** Gives up leadership held on `client`: returns the (broken) connection to the pool so it is discarded, not leaked. */
  function loseLeadership(client: pg.PoolClient, error: unknown): void {
    if (lockClient !== client) return;
    lockClient = undefined;
    metrics.leader?.set(0);
    client.off('notification', wakeUp);
    client.release(error instanceof Error ? error : new Error(`${name} lock connection lost`));
    logger.warn(`${name}: lost leadership; lock connection broke`, { error: (error as Error).message });
  }

  /** True while the lock connection answers; a broken or silent one is dropped (the server then frees the lock). */
  async function lockStillHeld(client: pg.PoolClient): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.query('SELECT 1'),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('lock connection did not answer')), lockCheckTimeoutMs))),
      ]);
      lockCheckedAt = Date.now();
      return true;
    } catch (error) {
      loseLeadership(client, error);
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async function becomeLeader(): Promise<boolean> {
    if (lockClient && (Date.now() - lockCheckedAt < lockCheckIntervalMs || (await lockStillHeld(lockClient)))) return true;
    const client = await pool.connect();
    // If this connection breaks, leadership is lost with it.
    const onError = (error: Error) => loseLeadership(client, error);
    client.on('error', onError);
    let locked = false;
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [lockKey]);
      locked = rows[0]?.locked === true;
      // Writes on other replicas wake the leader through its lock connection (a failure here frees the lock with the connection).
      if (locked) await client.query(`LISTEN ${client.escapeIdentifier(lockKey)}`);
    } catch (error) {
      client.off('error', onError);
      client.release(error as Error);
      throw error;
    }
    if (!locked) {
      client.off('error', onError);
      client.release();
      return false;
    }
    client.on('notification', wakeUp);
    lockClient = client;
    lockCheckedAt = Date.now();
    metrics.leader?.set(1);
    logger.info(`${name}: became leader`);
    return true;
  }

  /** Publishes one batch; returns how many rows went out. */
  async function relayBatch(): Promise<number> {
    // Rows committed before this query are in it; a wake-up after it needs another round.
    pause.forgetWakeUps();
    const { rows } = await pool.query<Row>({ ...selectBatch, values: [batchSize] });
    if (rows.length === 0) return 0;
    const byTopic = new Map<string, OutboxMessage[]>();
    for (const row of rows) {
      const message = options.message(row);
      const batch = byTopic.get(message.topic);
      if (batch) batch.push(message);
      else byTopic.set(message.topic, [message]);
    }
    if (!producer) {
      producer = createReliableProducer(options.kafka, metrics);
      // A broker that cannot be reached fails here, before any send: still a failure to produce these topics.
      await toKafka(producer.connect()).catch((error: unknown) => {
        for (const topic of byTopic.keys()) metrics.kafkaProduceErrors.inc({ topic });
        throw error;
      });
    }
    const publishing = metrics.publishDuration?.startTimer();
    await toKafka(
      producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({
          topic,
          messages: messages.map(({ key, value, headers }) => ({ key, value, headers })),
        })),
      }),
    );
    publishing?.();
    if (kafkaDown) {
      kafkaDown = false;
      logger.info(`${name}: kafka reachable again`);
    }
    await pool.query({ ...markPublished, values: [rows.map((r) => r.id)] });
    metrics.published?.inc(rows.length);
    options.onPublished?.(rows);
    return rows.length;
  }

  const done = (async () => {
    while (!stopped) {
      try {
        if (!(await becomeLeader())) {
          // Another replica relays; a wake-up here only makes this one try for the lock again, once.
          pause.forgetWakeUps();
          await pause.sleep(Math.max(options.pollIntervalMs, 1_000));
          continue;
        }
        const sent = await relayBatch();
        failuresInRow = 0;
        if (sent === 0) await options.onIdle?.();
        if (sent < batchSize) await pause.sleep(options.pollIntervalMs);
      } catch (error) {
        metrics.failures?.inc();
        failuresInRow++;
        if (error instanceof KafkaUnavailable) {
          // State changes only: an outage is one line, not one per attempt.
          if (!kafkaDown) logger.warn(`${name}: kafka unreachable; messages wait in the outbox`, { error: error.message });
          kafkaDown = true;
          // Start from a fresh producer: kafkajs may hold a broken connection.
          await producer?.disconnect().catch(() => undefined);
          producer = undefined;
        } else {
          if (failuresInRow === 1 || failuresInRow % 20 === 0) {
            logger.warn(`${name}: database query failed; will retry`, { error: (error as Error).message, attempts: failuresInRow });
          }
          // The lock connection may have died along with the relay's queries: check it next round.
          lockCheckedAt = 0;
        }
        await pause.sleep(Math.min(5_000, 100 * 2 ** Math.min(failuresInRow, 6)), { wakeable: false });
      }
    }
  })();

  return {
    notify: () => {
      pause.wake();
      if (!lockClient) wakeLeader();
    },
    async stop() {
      stopped = true;
      pause.stop();
      await done;
      await producer?.disconnect().catch(() => undefined);
      const client = lockClient;
      lockClient = undefined;
      if (client) {
        // The connection goes back to the pool: unlocked and listening to nothing.
        const unlocked = await client
          .query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey])
          .then(() => client.query('UNLISTEN *'))
          .then(
            () => undefined,
            (error: unknown) => error as Error,
          );
        client.off('notification', wakeUp);
        client.release(unlocked);
      }
      metrics.leader?.set(0);
    },
  };
}
