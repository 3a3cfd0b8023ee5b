/**
 * Booking's own test support: its service in-process on a fresh database
 * (with the catalog schema it reads), its env, and its message schema. The
 * harness every package shares is @ticketing/testing.
 */
import { readFileSync } from 'node:fs';
import { startService, type RunningService } from '@ticketing/platform';
import { createTestDatabase, migrateCatalogSchema, testPool, testServiceEnv } from '@ticketing/testing';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type pg from 'pg';
import { createBookingDefinition, type BookingOptions } from '../src/app.js';

const messageSchema = JSON.parse(readFileSync(new URL('../schemas/ticket-bookings.v1.schema.json', import.meta.url), 'utf8'));
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
/** Validates a ticket-bookings message against its published JSON Schema; errors on `.errors`. */
export const validateMessage = addFormats(new Ajv2020({ allErrors: true })).compile(messageSchema);

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

/** A fresh database with the catalog schema, and a booking service on it. */
export async function startBookingHarness(overrides: Record<string, string> = {}, options: BookingOptions = {}): Promise<BookingHarness> {
  const db = await createTestDatabase('booking');
  const pool = testPool(db.url);
  await migrateCatalogSchema(pool);
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
