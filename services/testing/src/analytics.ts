/** The analytics service in-process on a fresh database (with the catalog's schema it reads) and topics of its own. */
import { randomUUID } from 'node:crypto';
import { createAnalyticsDefinition } from '@ticketing/analytics/app';
import { startService, type RunningService } from '@ticketing/platform';
import { createTestDatabase, testKafkaBrokers } from '@ticketing/platform/testing';
import { createTestTopic } from './kafka.js';
import { migrateCatalogSchema, testPool, testServiceEnv } from './services.js';

export interface TestAnalytics {
  service: RunningService;
  url: string;
  close(): Promise<void>;
}

export async function startAnalytics(env: Record<string, string> = {}): Promise<TestAnalytics> {
  const db = await createTestDatabase('analytics');
  const pool = testPool(db.url, 1);
  try {
    await migrateCatalogSchema(pool);
  } finally {
    await pool.end();
  }
  const brokers = testKafkaBrokers().join(',');
  const service = await startService(
    createAnalyticsDefinition(),
    testServiceEnv(db.url, {
      LOG_LEVEL: 'warn',
      KAFKA_TOPIC_BOOKINGS: await createTestTopic(brokers, 'ticket-bookings'),
      KAFKA_TOPIC_ANALYTICS_RESULTS: await createTestTopic(brokers, 'analytics-results'),
      KAFKA_CONSUMER_GROUP: `analytics-${randomUUID().slice(0, 8)}`,
      ...env,
    }),
  );
  return {
    service,
    url: service.url,
    async close() {
      await service.stop();
      await db.drop();
    },
  };
}
