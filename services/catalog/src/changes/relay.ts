import { startOutboxRelay, type Logger, type Metrics, type Pool } from '@ticketing/platform';
import type { Kafka } from 'kafkajs';
import { changeColumns, toMessage, type ChangeRow } from './audit.js';

/**
 * Relays catalog.changes rows to the catalog-changes topic in id order, by
 * one leader replica at a time (the platform's outbox relay), so messages
 * keep their order; a crash between Kafka's acknowledgement and the mark
 * re-sends them with their ids (consumers deduplicate on `id`).
 */
export function startChangeRelay(deps: { pool: Pool; kafka: Kafka; topic: string; logger: Logger; metrics: Metrics; intervalMs: number }) {
  return startOutboxRelay<ChangeRow>({
    ...deps,
    name: 'catalog change relay',
    lockKey: 'catalog:change-relay',
    table: 'catalog.changes',
    columns: changeColumns,
    message: (row) => {
      const message = toMessage(row);
      return {
        topic: deps.topic,
        key: message.entityId,
        value: JSON.stringify(message),
        headers: { 'message-id': message.id, 'message-type': message.type, 'content-type': 'application/json' },
      };
    },
    pollIntervalMs: deps.intervalMs,
    batchSize: 500,
  });
}
