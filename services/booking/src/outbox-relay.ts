import { startOutboxRelay as startRelay, type Logger, type Pool } from '@ticketing/platform';
import type { Kafka } from 'kafkajs';
import type { BookingMessage } from './messages.js';
import type { RelayMetrics } from './metrics.js';

interface OutboxRow {
  id: string;
  message_id: string;
  topic: string;
  message_key: string;
  type: string;
  payload: unknown;
}

/**
 * Relays booking.outbox (written in the transaction of each change) to the
 * topic each row names, by one leader replica at a time (the platform's
 * outbox relay); the messages it publishes are counted as business facts.
 */
export function startOutboxRelay(deps: { pool: Pool; kafka: Kafka; logger: Logger; metrics: RelayMetrics; pollIntervalMs: number; batchSize?: number }) {
  return startRelay<OutboxRow>({
    ...deps,
    name: 'outbox relay',
    lockKey: 'booking:outbox-relay',
    table: 'booking.outbox',
    columns: 'id, message_id, topic, message_key, type, payload',
    message: (row) => ({
      topic: row.topic,
      key: row.message_key,
      value: JSON.stringify(row.payload),
      headers: { 'message-id': row.message_id, 'message-type': row.type, 'content-type': 'application/json' },
    }),
    onPublished: (rows) => deps.metrics.countPublished(rows.map((r) => r.payload as BookingMessage)),
  });
}
