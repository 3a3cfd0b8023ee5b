import { startOutboxRelay, type Logger, type Metrics, type Pool } from '@ticketing/platform';
import type { Kafka } from 'kafkajs';

/** Published rows are kept this long (for inspection), then deleted. */
const keepPublishedHours = 24;

interface ResultRow {
  id: string;
  event_id: string;
  payload: { id: string };
}

/**
 * Publishes the window revisions queued in analytics.results_outbox (written
 * in the transaction that counted the message) to analytics-results, in
 * queue order, by one leader replica at a time (the platform's outbox relay).
 * A crash re-sends a revision (same id) instead of losing it: consumers keep,
 * per key and window, the highest revision.
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
  let purgedAt = 0;
  return startOutboxRelay<ResultRow>({
    ...deps,
    name: 'results relay',
    lockKey: 'analytics:results-relay',
    table: 'analytics.results_outbox',
    columns: 'id, event_id, payload',
    message: (row) => ({
      topic: deps.topic,
      key: row.event_id,
      value: JSON.stringify(row.payload),
      headers: { 'message-id': row.payload.id, 'content-type': 'application/json' },
    }),
    pollIntervalMs: deps.intervalMs,
    batchSize: deps.batchSize ?? 500,
    async onIdle() {
      if (Date.now() - purgedAt < 60_000) return;
      purgedAt = Date.now();
      await deps.pool.query(`DELETE FROM analytics.results_outbox WHERE published_at < now() - make_interval(hours => $1)`, [keepPublishedHours]);
    },
  });
}
