import { runConsumer, type Logger, type Metrics, type Pool } from '@ticketing/platform';
import type { Kafka } from 'kafkajs';
import { applyCatalogChange, type CatalogMessage } from './catalog-changes.js';
import type { Outbox } from './messages.js';

/**
 * Consumes catalog-changes (group `booking`) in the background: a broker
 * that is not reachable yet delays it (retried every few seconds) instead of
 * stopping booking from serving.
 */
export function startCatalogChangesConsumer(deps: {
  pool: Pool;
  outbox: Outbox;
  kafka: Kafka;
  topic: string;
  logger: Logger;
  metrics: Metrics;
  onApplied(): void;
}) {
  let stopped = false;
  let running: { stop(): Promise<void> } | undefined;
  let retry: NodeJS.Timeout | undefined;
  let warned = false;
  const start = async () => {
    try {
      const consumer = await runConsumer({
        kafka: deps.kafka,
        topic: deps.topic,
        group: 'booking',
        logger: deps.logger,
        metrics: deps.metrics,
        // A new group starts at what the topic retains: the topic came with this consumer, and applying is idempotent.
        fromBeginning: true,
        handle: async (message) => {
          if (await applyCatalogChange(deps.pool, deps.outbox, JSON.parse(message.value!.toString()) as CatalogMessage)) deps.onApplied();
        },
      });
      if (stopped) await consumer.stop();
      else running = consumer;
    } catch (error) {
      if (!warned) deps.logger.warn('catalog-changes consumer not started yet; retrying', { topic: deps.topic, error: (error as Error).message });
      warned = true;
      if (!stopped) retry = setTimeout(() => void start(), 5_000);
    }
  };
  void start();
  return {
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await running?.stop();
    },
  };
}
