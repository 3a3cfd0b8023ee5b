import { bookingsTopic } from '@ticketing/booking/service';
import { catalogDefinition } from '@ticketing/catalog/app';
import { createBookingDefinition } from '@ticketing/booking/app';
import { waitingRoomDefinition } from '@ticketing/waiting-room';
import { createLogger, migrate, platformMigrations, startService, type RunningService, type ServiceDefinition } from '@ticketing/platform';
import type { Principal } from '@ticketing/platform';
import { createTestDatabase, testKafkaEnv, testSecrets, testToken } from '@ticketing/platform/testing';
import pg from 'pg';
import { createTestTopic } from './kafka.js';

/**
 * Env for a service under test on 127.0.0.1 (a random port), with the test
 * secrets, on `databaseUrl` and the test Kafka (TEST_KAFKA_BROKERS, and its
 * login when TEST_KAFKA_SASL describes one).
 */
export function testServiceEnv(databaseUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    ...testKafkaEnv(),
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'error',
    ...testSecrets,
    ...overrides,
  };
}

/** A pool for the test's own queries; connections cut when the database is dropped are expected. */
export function testPool(databaseUrl: string, max = 5): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max });
  pool.on('error', () => undefined);
  return pool;
}

/** Applies `definition`'s migrations to the database of `pool`, as the service does at start. */
export async function migrateSchemaOf(pool: pg.Pool, definition: ServiceDefinition): Promise<void> {
  const { database, declaration } = definition;
  if (!database) throw new Error(`${declaration.name} owns no database schema`);
  await migrate(pool, database.schema, [platformMigrations, { prefix: declaration.name, dir: database.migrations }], createLogger({}, 'error'));
}

/** The catalog's schema, which booking reads. */
export function migrateCatalogSchema(pool: pg.Pool): Promise<void> {
  return migrateSchemaOf(pool, catalogDefinition);
}

/**
 * Every schema booking reads besides its own, as in production: the catalog's,
 * and the waiting room's (every hold asks it whether the event needs a pass).
 */
export async function migrateSchemasBookingReads(pool: pg.Pool): Promise<void> {
  await migrateCatalogSchema(pool);
  await migrateSchemaOf(pool, waitingRoomDefinition);
}

export interface LocalServices {
  catalogUrl: string;
  bookingUrl: string;
  databaseUrl: string;
  pool: pg.Pool;
  topic: string;
  /** The settings catalog and booking run with (a benchmark starts another booking replica with them). */
  env: Record<string, string>;
  /** A token these services accept (from the test issuer they trust). */
  mintToken(principal: Principal, ttlSeconds: number): string;
  close(): Promise<void>;
}

/**
 * Catalog and booking in this process on 127.0.0.1 (random ports), sharing a
 * fresh database on `databaseServerUrl` (a superuser URL) and a fresh topic on
 * `kafkaBrokers`: the platform as a buyer meets it.
 */
export async function startCatalogAndBooking(options: {
  databaseServerUrl: string;
  kafkaBrokers: string;
  keepDatabase?: boolean;
  env?: Record<string, string>;
}): Promise<LocalServices> {
  const db = await createTestDatabase('platform', options.databaseServerUrl);
  const closers: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    if (!options.keepDatabase) closers.push(() => db.drop());
    const topic = await createTestTopic(options.kafkaBrokers, bookingsTopic);
    const env = testServiceEnv(db.url, {
      KAFKA_BROKERS: options.kafkaBrokers,
      KAFKA_TOPIC_BOOKINGS: topic,
      DATABASE_POOL_MAX: '20',
      OUTBOX_POLL_INTERVAL_MS: '100',
      SWEEPER_INTERVAL_MS: '1000',
      ...options.env,
    });
    const pool = testPool(db.url, 3);
    closers.push(() => pool.end());
    await migrateSchemasBookingReads(pool);
    const catalog: RunningService = await startService(catalogDefinition, env);
    closers.push(() => catalog.stop());
    const booking: RunningService = await startService(createBookingDefinition(), env);
    closers.push(() => booking.stop());
    return {
      catalogUrl: catalog.url,
      bookingUrl: booking.url,
      databaseUrl: db.url,
      pool,
      topic,
      env,
      mintToken: (p, ttlSeconds) => testToken(p.sub, p.role, { ttlSeconds, ...(p.org ? { org: p.org } : {}) }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
