import { createReliableProducer, withTransaction, type Logger, type Metrics, type Pool } from '@ticketing/platform';
import type { Kafka, Producer } from 'kafkajs';

/** Advisory lock naming the one replica relaying at a time (held for one batch's transaction). */
const relayLockKey = 'analytics:results-relay';
/** Published rows are kept this long (for inspection), then deleted. */
const keepPublishedHours = 24;

/**
 * Publishes the window revisions queued in analytics.results_outbox (written
 * in the transaction that counted the message) to analytics-results, in
 * queue order, by one replica at a time. A row is marked published only
 * after Kafka acknowledged it from every in-sync replica, so a crash re-sends
 * a revision (same id) instead of losing it: consumers keep, per key and
 * window, the highest revision.
 */
export function startResultsRelay(deps: {
  pool: Pool;
  kafka: Kafka;
  logger: Logger;
  metrics: Pick<Metrics, 'kafkaProduceErrors'>;
  topic: string;
  intervalMs: number;
  batchSize?: number;
}) {
  const batchSize = deps.batchSize ?? 500;
  let producer: Producer | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  let failing = false;
  let purgedAt = 0;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /** Publishes one batch under the relay lock; returns how many rows went out. */
  const relayBatch = () =>
    withTransaction(deps.pool, async (tx) => {
      const { rows: lock } = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', [relayLockKey]);
      if (!lock[0]?.locked) return 0;
      const { rows } = await tx.query<{ id: string; event_id: string; payload: { id: string } }>(
        'SELECT id, event_id, payload FROM analytics.results_outbox WHERE published_at IS NULL ORDER BY id LIMIT $1',
        [batchSize],
      );
      if (rows.length === 0) return 0;
      if (!producer) {
        const created = createReliableProducer(deps.kafka, deps.metrics);
        await created.connect();
        producer = created;
      }
      await producer.send({
        topic: deps.topic,
        acks: -1,
        messages: rows.map((r) => ({
          key: r.event_id,
          value: JSON.stringify(r.payload),
          headers: { 'message-id': r.payload.id, 'content-type': 'application/json' },
        })),
      });
      await tx.query('UPDATE analytics.results_outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
      return rows.length;
    });

  const purge = async () => {
    if (Date.now() - purgedAt < 60_000) return;
    purgedAt = Date.now();
    await deps.pool.query(`DELETE FROM analytics.results_outbox WHERE published_at < now() - make_interval(hours => $1)`, [keepPublishedHours]);
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        const sent = await relayBatch();
        if (failing) deps.logger.info('results relay: publishing again');
        failing = false;
        if (sent === 0) {
          await purge();
          await sleep(deps.intervalMs);
        }
      } catch (error) {
        if (!failing) deps.logger.warn('results relay: publish failed; retrying', { error: (error as Error).message });
        failing = true;
        await sleep(Math.max(deps.intervalMs, 1_000));
      }
    }
  })();

  return {
    /** Looks for new rows now instead of at the next interval. */
    notify() {
      wake?.();
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      await producer?.disconnect();
    },
  };
}
