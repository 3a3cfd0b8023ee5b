/**
 * The booking service in-process on a fresh database (with the catalog's and
 * the waiting room's schemas it reads), and its env under test.
 */
import { createBookingDefinition, type BookingOptions } from '@ticketing/booking/app';
import { startService, type RunningService } from '@ticketing/platform';
import { createTestDatabase } from '@ticketing/platform/testing';
import type pg from 'pg';
import { migrateSchemasBookingReads, testPool, testServiceEnv } from './services.js';

/** Env for a booking service under test: real PostgreSQL and Kafka from `npm test`, the sweeper out of the way. */
export function bookingEnv(databaseUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return testServiceEnv(databaseUrl, { DATABASE_POOL_MAX: '20', SWEEPER_INTERVAL_MS: '600000', ...overrides });
}

export interface BookingHarness {
  databaseUrl: string;
  pool: pg.Pool;
  service: RunningService;
  url: string;
  topic: string;
  close(): Promise<void>;
}

/** A fresh database with the schemas booking reads (catalog, waiting room), and a booking service on it. */
export async function startBookingHarness(overrides: Record<string, string> = {}, options: BookingOptions = {}): Promise<BookingHarness> {
  const db = await createTestDatabase('booking');
  const pool = testPool(db.url);
  await migrateSchemasBookingReads(pool);
  const topic = overrides.KAFKA_TOPIC_BOOKINGS ?? `ticket-bookings-${crypto.randomUUID().slice(0, 8)}`;
  const service = await startService(createBookingDefinition(options), bookingEnv(db.url, { KAFKA_TOPIC_BOOKINGS: topic, ...overrides }));
  return {
    databaseUrl: db.url,
    pool,
    service,
    url: service.url,
    topic,
    async close() {
      await service.stop();
      await pool.end();
      await db.drop();
    },
  };
}
