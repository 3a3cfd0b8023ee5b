import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { catalogDefinition } from '@ticketing/catalog/app';
import { createLogger, migrate, platformMigrations, startService, type RunningService } from '@ticketing/platform';
import type { Principal } from '@ticketing/platform';
import { createTestDatabase, testSecrets, testToken } from '@ticketing/platform/testing';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { ensureTopic } from '../../../scripts/lib/kafka.js';
import { createBookingDefinition, type BookingOptions } from '../src/app.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

const messageSchema = JSON.parse(readFileSync(path.join(repoRoot, 'services/booking/schemas/ticket-bookings.v1.schema.json'), 'utf8'));
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
/** Validates a ticket-bookings message against its published JSON Schema; errors on `.errors`. */
export const validateMessage = addFormats(new Ajv2020({ allErrors: true })).compile(messageSchema);

/** Polls `check` until it holds, or fails naming `what`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Env for a booking service under test: real PostgreSQL and Kafka from `npm test`. */
export function bookingEnv(databaseUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: process.env.TEST_KAFKA_BROKERS ?? '127.0.0.1:1',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'error',
    DATABASE_POOL_MAX: '20',
    SWEEPER_INTERVAL_MS: '600000',
    ...testSecrets,
    ...overrides,
  };
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
  const pool = new pg.Pool({ connectionString: db.url, max: 5 });
  // Dropping the database at the end terminates connections; that is expected.
  pool.on('error', () => undefined);
  // The catalog's own migrations: booking reads its tables.
  await migrate(
    pool,
    'catalog',
    [platformMigrations, { prefix: 'catalog', dir: path.join(repoRoot, 'services/catalog/migrations') }],
    createLogger({}, 'error'),
  );
  const topic = overrides.KAFKA_TOPIC_BOOKINGS ?? `ticket-bookings-${randomUUID().slice(0, 8)}`;
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

export interface SeededEvent {
  eventId: string;
  venueId: string;
  seatIds: string[];
  gaSectionId: string;
}

/** Creates a venue with `seats` seated places and a GA section, and an on-sale event. */
export async function seedEvent(
  pool: pg.Pool,
  options: { seats: number; gaCapacity?: number; priceCents?: number; startsInHours?: number },
): Promise<SeededEvent> {
  const venueId = randomUUID();
  const eventId = randomUUID();
  const seatedId = randomUUID();
  const gaSectionId = randomUUID();
  await pool.query(`INSERT INTO catalog.venues (id, owner_id, name, city) VALUES ($1, 'org-1', 'Test Hall', 'Lisbon')`, [venueId]);
  await pool.query(`INSERT INTO catalog.sections (id, venue_id, name, kind, category, capacity) VALUES ($1, $2, 'Stalls', 'seated', 'standard', $3)`, [
    seatedId,
    venueId,
    options.seats,
  ]);
  await pool.query(`INSERT INTO catalog.sections (id, venue_id, name, kind, category, capacity) VALUES ($1, $2, 'Floor', 'general_admission', 'floor', $3)`, [
    gaSectionId,
    venueId,
    options.gaCapacity ?? 100,
  ]);
  await pool.query(
    `INSERT INTO catalog.seats (venue_id, section_id, row_label, number, x, y, category)
     SELECT $1, $2, chr(65 + (n - 1) / 10), ((n - 1) % 10) + 1, ((n - 1) % 10) * 10, ((n - 1) / 10) * 10, 'standard' FROM generate_series(1, $3) n`,
    [venueId, seatedId, options.seats],
  );
  await pool.query(
    `INSERT INTO catalog.events (id, venue_id, owner_id, title, starts_at, ends_at) VALUES ($1, $2, 'org-1', 'Test Night', now() + make_interval(hours => $3), now() + make_interval(hours => $3 + 2))`,
    [eventId, venueId, options.startsInHours ?? 48],
  );
  await pool.query(
    `INSERT INTO catalog.price_tiers (event_id, category, price_cents, currency) VALUES ($1, 'standard', $2, 'EUR'), ($1, 'floor', 2500, 'EUR')`,
    [eventId, options.priceCents ?? 4000],
  );
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM catalog.seats WHERE section_id = $1 ORDER BY row_label, number', [seatedId]);
  return { eventId, venueId, seatIds: rows.map((r) => r.id), gaSectionId };
}

/** Inventory invariants, checked straight in the database. */
export async function assertInventoryInvariants(
  pool: pg.Pool,
  eventId: string,
): Promise<{ seats: Record<string, number>; ga: { capacity: number; held: number; sold: number }[] }> {
  const problems: string[] = [];
  const soldWithoutBooking = await pool.query(
    `SELECT count(*)::int AS n FROM booking.seat_inventory si
      WHERE si.event_id = $1 AND si.status = 'sold'
        AND NOT EXISTS (SELECT 1 FROM booking.booking_seats bs WHERE bs.event_id = si.event_id AND bs.seat_id = si.seat_id AND bs.active AND bs.booking_id = si.booking_id)`,
    [eventId],
  );
  if (soldWithoutBooking.rows[0].n !== 0) problems.push(`${soldWithoutBooking.rows[0].n} sold seats without their live booking`);
  const liveWithoutSold = await pool.query(
    `SELECT count(*)::int AS n FROM booking.booking_seats bs JOIN booking.seat_inventory si ON si.event_id = bs.event_id AND si.seat_id = bs.seat_id
      WHERE bs.event_id = $1 AND bs.active AND (si.status <> 'sold' OR si.booking_id <> bs.booking_id)`,
    [eventId],
  );
  if (liveWithoutSold.rows[0].n !== 0) problems.push(`${liveWithoutSold.rows[0].n} live booked seats not marked sold`);
  const heldByInactive = await pool.query(
    `SELECT count(*)::int AS n FROM booking.seat_inventory si JOIN booking.holds h ON h.id = si.hold_id
      WHERE si.event_id = $1 AND si.status = 'held' AND h.status = 'active' AND si.held_until <> h.expires_at`,
    [eventId],
  );
  if (heldByInactive.rows[0].n !== 0) problems.push("held seats disagree with their hold's expiry");
  const ga = await pool.query<{ capacity: number; held: number; sold: number; active_held: number; booked: number }>(
    `SELECT g.capacity, g.held, g.sold,
            COALESCE((SELECT sum(ga_quantity) FROM booking.holds h WHERE h.event_id = g.event_id AND h.ga_section_id = g.section_id AND h.status = 'active'), 0)::int AS active_held,
            COALESCE((SELECT sum(ga_quantity) FROM booking.bookings b WHERE b.event_id = g.event_id AND b.ga_section_id = g.section_id AND b.status = 'confirmed'), 0)::int AS booked
       FROM booking.ga_inventory g WHERE g.event_id = $1`,
    [eventId],
  );
  for (const row of ga.rows) {
    if (row.held !== row.active_held) problems.push(`GA held ${row.held} != active holds ${row.active_held}`);
    if (row.sold !== row.booked) problems.push(`GA sold ${row.sold} != confirmed bookings ${row.booked}`);
    if (row.held + row.sold > row.capacity) problems.push('GA oversold');
  }
  const counts = await pool.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM booking.seat_inventory WHERE event_id = $1 GROUP BY status',
    [eventId],
  );
  if (problems.length > 0) throw new Error(`inventory invariant broken: ${problems.join('; ')}`);
  return { seats: Object.fromEntries(counts.rows.map((r) => [r.status, r.n])), ga: ga.rows };
}

export interface LocalServices {
  catalogUrl: string;
  bookingUrl: string;
  databaseUrl: string;
  pool: pg.Pool;
  topic: string;
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
  const topic = `ticket-bookings-${randomUUID().slice(0, 8)}`;
  const closers: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    if (!options.keepDatabase) closers.push(() => db.drop());
    await ensureTopic(options.kafkaBrokers, topic, 3);
    const env = bookingEnv(db.url, {
      KAFKA_BROKERS: options.kafkaBrokers,
      KAFKA_TOPIC_BOOKINGS: topic,
      OUTBOX_POLL_INTERVAL_MS: '100',
      SWEEPER_INTERVAL_MS: '1000',
      ...options.env,
    });
    const catalog: RunningService = await startService(catalogDefinition, env);
    closers.push(() => catalog.stop());
    const booking: RunningService = await startService(createBookingDefinition(), env);
    closers.push(() => booking.stop());
    const pool = new pg.Pool({ connectionString: db.url, max: 3 });
    pool.on('error', () => undefined);
    closers.push(() => pool.end());
    return {
      catalogUrl: catalog.url,
      bookingUrl: booking.url,
      databaseUrl: db.url,
      pool,
      topic,
      mintToken: (p, ttlSeconds) => testToken(p.sub, p.role, { ttlSeconds, ...(p.org ? { org: p.org } : {}) }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface ConsumedMessage {
  key: string;
  /** The `message-id` header. */
  headerId: string;
  value: { id: string; type: string; data: Record<string, unknown>; [field: string]: unknown };
}

/** Reads `topic` from the beginning with a fresh consumer group until `until` holds (or the timeout). */
export async function consumeTopic(
  brokers: string | string[],
  topic: string,
  until: (messages: ConsumedMessage[]) => boolean,
  timeoutMs = 60_000,
): Promise<ConsumedMessage[]> {
  const kafka = new Kafka({ clientId: 'test-consumer', brokers: [brokers].flat(), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `test-${randomUUID()}` });
  const messages: ConsumedMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          messages.push({
            key: message.key!.toString(),
            headerId: message.headers?.['message-id']?.toString() ?? '',
            value: JSON.parse(message.value!.toString()),
          });
          if (until(messages)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
