import { createReliableProducer, wakeableSleep, withTransaction, type Logger, type Metrics, type Pool } from '@ticketing/platform';
import type { Kafka, Producer } from 'kafkajs';
import { unpublishedChanges } from './audit.js';

/**
 * Relays catalog.changes rows to the catalog-changes topic in id order. One
 * replica at a time (a transaction-scoped advisory lock, tried, never waited
 * on), so messages keep their order; rows are marked published in the same
 * transaction after Kafka acknowledged them, so a crash in between re-sends
 * them with their ids (consumers deduplicate on `id`).
 */
export function startChangeRelay(deps: { pool: Pool; kafka: Kafka; topic: string; logger: Logger; metrics: Metrics; intervalMs: number }) {
  let stopped = false;
  let producer: Producer | undefined;
  const { sleep, wake } = wakeableSleep();
  let failing = false;

  async function relayBatch(): Promise<number> {
    return withTransaction(
      deps.pool,
      async (tx) => {
        const { rows } = await tx.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtext('catalog:change-relay')) AS ok`);
        if (!rows[0]!.ok) return 0;
        const messages = await unpublishedChanges(tx, 500);
        if (messages.length === 0) return 0;
        if (!producer) {
          const created = createReliableProducer(deps.kafka, deps.metrics);
          await created.connect();
          producer = created;
        }
        await producer.send({
          topic: deps.topic,
          acks: -1,
          messages: messages.map(({ seq: _seq, ...m }) => ({
            key: m.entityId,
            value: JSON.stringify(m),
            headers: { 'message-id': m.id, 'message-type': m.type, 'content-type': 'application/json' },
          })),
        });
        await tx.query('UPDATE catalog.changes SET published_at = now() WHERE id = ANY($1::bigint[])', [messages.map((m) => m.seq)]);
        return messages.length;
      },
      1,
    );
  }

  const done = (async () => {
    while (!stopped) {
      let sent = 0;
      try {
        sent = await relayBatch();
        if (failing) deps.logger.info('catalog change relay: publishing again');
        failing = false;
      } catch (error) {
        // Logged once per outage; the rows wait in the table.
        if (!failing) deps.logger.warn('catalog change relay: cannot publish yet', { error: (error as Error).message });
        failing = true;
      }
      if (sent === 0 && !stopped) await sleep(failing ? Math.max(deps.intervalMs, 1_000) : deps.intervalMs);
    }
  })();

  return {
    /** Looks for new rows now (after a write) instead of at the next poll. */
    notify: wake,
    async stop() {
      stopped = true;
      wake();
      await done;
      await producer?.disconnect().catch(() => undefined);
    },
  };
}
