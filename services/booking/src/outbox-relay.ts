import type { Logger, Pool } from '@ticketing/platform';
import { createReliableProducer } from '@ticketing/platform';
import type { Kafka, Producer } from 'kafkajs';
import type pg from 'pg';
import type { BookingMessage } from './messages.js';
import type { RelayMetrics } from './metrics.js';

/** Advisory lock key naming the relay leader (any constant, shared by all replicas). */
const leaderLockKey = 'booking:outbox-relay';
/** How often the leader proves its lock connection still answers (a dead peer may never send a reset). */
const lockCheckIntervalMs = 5_000;
const lockCheckTimeoutMs = 2_000;

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
 * Relays outbox rows to Kafka in id order. Exactly one replica relays at a
 * time (PostgreSQL advisory lock held on a dedicated connection; if that
 * replica dies, its connection closes and another takes over), so messages of
 * one event keep their order. A row is marked published only after Kafka
 * acknowledged it from all in-sync replicas; if Kafka is down the rows wait
 * and go out, with the same message ids, when it is back. A crash between ack
 * and mark re-sends a message with its original id: consumers deduplicate.
 */
export function startOutboxRelay(deps: { pool: Pool; kafka: Kafka; logger: Logger; metrics: RelayMetrics; pollIntervalMs: number; batchSize?: number }) {
  const batchSize = deps.batchSize ?? 200;
  const { failures, leader, publishDuration } = deps.metrics;

  let stopped = false;
  let lockClient: pg.PoolClient | undefined;
  let lockCheckedAt = 0;
  let producer: Producer | undefined;
  /** Ends the current sleep early; `nudgeable` says whether a write may (a failure's backoff waits for stop only). */
  let sleeping: { end: () => void; nudgeable: boolean } | undefined;
  /** A write committed since the relay last looked: set by notify, cleared when a batch query starts. */
  let nudged = false;
  let failuresInRow = 0;
  let kafkaDown = false;

  /**
   * Waits `ms`, or less when notified. A nudge that came while the relay was
   * busy (querying, sending) is not lost: the next sleep returns at once, so
   * that message goes out now rather than at the next poll.
   */
  const sleep = (ms: number, nudgeable = true) =>
    new Promise<void>((resolve) => {
      if (stopped || (nudgeable && nudged)) return resolve();
      const end = () => {
        clearTimeout(timer);
        sleeping = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      sleeping = { end, nudgeable };
    });

  /** Gives up leadership held on `client`: returns the (broken) connection to the pool so it is discarded, not leaked. */
  function loseLeadership(client: pg.PoolClient, error: unknown): void {
    if (lockClient !== client) return;
    lockClient = undefined;
    leader.set(0);
    client.release(error instanceof Error ? error : new Error('outbox relay lock connection lost'));
    deps.logger.warn('outbox relay: lost leadership; lock connection broke', { error: (error as Error).message });
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
    const client = await deps.pool.connect();
    // If this connection breaks, leadership is lost with it.
    const onError = (error: Error) => loseLeadership(client, error);
    client.on('error', onError);
    let locked = false;
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [leaderLockKey]);
      locked = rows[0]?.locked === true;
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
    lockClient = client;
    lockCheckedAt = Date.now();
    leader.set(1);
    deps.logger.info('outbox relay: became leader');
    return true;
  }

  /** Publishes one batch; returns how many rows went out. */
  async function relayBatch(): Promise<number> {
    // Rows committed before this query are in it; a nudge after it needs another round.
    nudged = false;
    const { rows } = await deps.pool.query<{ id: string; message_id: string; topic: string; message_key: string; type: string; payload: unknown }>(
      `SELECT id, message_id, topic, message_key, type, payload FROM booking.outbox
        WHERE published_at IS NULL ORDER BY id LIMIT $1`,
      [batchSize],
    );
    if (rows.length === 0) return 0;
    const byTopic = new Map<string, typeof rows>();
    for (const row of rows) {
      const batch = byTopic.get(row.topic);
      if (batch) batch.push(row);
      else byTopic.set(row.topic, [row]);
    }
    if (!producer) {
      producer = createReliableProducer(deps.kafka, { kafkaProduceErrors: deps.metrics.produceErrors });
      // A broker that cannot be reached fails here, before any send: still a failure to produce these topics.
      await toKafka(producer.connect()).catch((error: unknown) => {
        for (const topic of byTopic.keys()) deps.metrics.produceErrors.inc({ topic });
        throw error;
      });
    }
    const publishing = publishDuration.startTimer();
    await toKafka(
      producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({
          topic,
          messages: messages.map((m) => ({
            key: m.message_key,
            value: JSON.stringify(m.payload),
            headers: { 'message-id': m.message_id, 'message-type': m.type, 'content-type': 'application/json' },
          })),
        })),
      }),
    );
    publishing();
    if (kafkaDown) {
      kafkaDown = false;
      deps.logger.info('outbox relay: kafka reachable again');
    }
    await deps.pool.query('UPDATE booking.outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
    deps.metrics.countPublished(rows.map((r) => r.payload as BookingMessage));
    return rows.length;
  }

  const done = (async () => {
    while (!stopped) {
      try {
        if (!(await becomeLeader())) {
          // Another replica relays; a nudge here only makes this one try for the lock again, once.
          nudged = false;
          await sleep(Math.max(deps.pollIntervalMs, 1_000));
          continue;
        }
        const sent = await relayBatch();
        failuresInRow = 0;
        if (sent < batchSize) await sleep(deps.pollIntervalMs);
      } catch (error) {
        failures.inc();
        failuresInRow++;
        if (error instanceof KafkaUnavailable) {
          // State changes only: an outage is one line, not one per attempt.
          if (!kafkaDown) deps.logger.warn('outbox relay: kafka unreachable; messages wait in the outbox', { error: error.message });
          kafkaDown = true;
          // Start from a fresh producer: kafkajs may hold a broken connection.
          await producer?.disconnect().catch(() => undefined);
          producer = undefined;
        } else {
          if (failuresInRow === 1 || failuresInRow % 20 === 0) {
            deps.logger.warn('outbox relay: database query failed; will retry', { error: (error as Error).message, attempts: failuresInRow });
          }
          // The lock connection may have died along with the relay's queries: check it next round.
          lockCheckedAt = 0;
        }
        await sleep(Math.min(5_000, 100 * 2 ** Math.min(failuresInRow, 6)), false);
      }
    }
  })();

  return {
    /** Nudges the relay to look now (after a write) instead of at the next poll. */
    notify: () => {
      nudged = true;
      if (sleeping?.nudgeable) sleeping.end();
    },
    async stop() {
      stopped = true;
      sleeping?.end();
      await done;
      await producer?.disconnect().catch(() => undefined);
      const client = lockClient;
      lockClient = undefined;
      if (client) {
        const unlocked = await client.query('SELECT pg_advisory_unlock(hashtext($1))', [leaderLockKey]).then(
          () => undefined,
          (error: unknown) => error as Error,
        );
        client.release(unlocked);
      }
      leader.set(0);
    },
  };
}
