/**
 * Settings of the Kafka topics the services name in their declarations
 * (`dependencies.kafka.produces/consumes`). A topic named by a service but
 * missing here fails the synth, so no topic is created with guessed settings.
 */
import type { TopicSettings } from './lib/kafka-cluster.js';

export const topicSettings: Readonly<Record<string, TopicSettings>> = {
  // Key = event id: per-event order; 12 partitions leave room for consumers to scale.
  'ticket-bookings': { partitions: 12, retentionHours: 7 * 24 },
  // Key = venue, event or import id: caches, search and booking apply changes in order per entity.
  'catalog-changes': { partitions: 6, retentionHours: 7 * 24 },
  // Where booking's consumer puts catalog changes it could not apply (runConsumer's dead-letter topic).
  'catalog-changes.dlq': { partitions: 1, retentionHours: 14 * 24 },
  // Key = event id; each window revision. Readers keep the highest revision per window, so a day is plenty.
  'analytics-results': { partitions: 12, retentionHours: 24 },
};

/** Topics that always exist, whether or not a service names them yet. */
export const requiredTopics: readonly string[] = ['ticket-bookings'];
