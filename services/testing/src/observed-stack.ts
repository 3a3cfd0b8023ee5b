/**
 * Catalog and booking in this process, on a fresh test database and topic, a
 * real Prometheus scraping both every second, and a short bounded load that
 * makes every kind of business fact happen at least once. For tests that check
 * metric names, dashboard and alert queries against what the services export.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { catalogDefinition } from '@ticketing/catalog/app';
import { createKafka, createLogger, createMetrics, runConsumer, startService, type RunningService } from '@ticketing/platform';
import { createTestDatabase, http, testKafkaBrokers, testKafkaSasl, testToken } from '@ticketing/platform/testing';
import { createBookingDefinition } from '@ticketing/booking/app';
import { gatewayDefinition } from '@ticketing/gateway/app';
import { upstreamSettings } from '@ticketing/gateway/service';
import { usersDefinition } from '@ticketing/users/app';
import { generateSigningKeySet } from '@ticketing/users/signing-keys';
import { ensureTopic } from '../../../scripts/local-stack/kafka.js';
import { localDir } from '../../../scripts/local-stack/paths.js';
import { findFreePort } from '../../../scripts/local-stack/ports.js';
import { testRedisUrl } from './redis.js';
import { migrateSchemasBookingReads, testPool, testServiceEnv } from './services.js';
import { fastUsersEnv } from './users.js';
import { queryPrometheus, startPrometheus, type PrometheusSample, type RunningPrometheus } from '../../../scripts/local-stack/prometheus.js';

export interface ObservedStack {
  prometheus: RunningPrometheus;
  /** Instant query against the stack's Prometheus. */
  query(promql: string): Promise<PrometheusSample[]>;
  services: { catalog: RunningService; booking: RunningService; users: RunningService; gateway: RunningService };
  /** Job name of the stack's own consumer of the bookings topic (no service consumes it yet). */
  consumerJob: string;
  /** Requests the load sent, by answer status. */
  load: Record<number, number>;
  stop(): Promise<void>;
}

/** Hold TTL of the stack: short, so the load sees holds expire. */
const holdTtlSeconds = 5;

/**
 * Starts the stack, runs the load, and returns once Prometheus has scraped
 * the result (a few scrapes after the last request, so rate() has two samples).
 */
export async function startObservedStack(options: { ruleFiles?: readonly string[] } = {}): Promise<ObservedStack> {
  const db = await createTestDatabase('observed');
  const topic = `ticket-bookings-${randomUUID().slice(0, 8)}`;
  const [broker] = testKafkaBrokers();
  await ensureTopic(broker!, topic, 1, testKafkaSasl());
  await ensureTopic(broker!, `${topic}.dlq`, 1, testKafkaSasl());
  const env = testServiceEnv(db.url, {
    KAFKA_TOPIC_BOOKINGS: topic,
    HOLD_TTL_SECONDS: String(holdTtlSeconds),
    SWEEPER_INTERVAL_MS: '500',
    PAYMENT_TIMEOUT_MS: '300',
  });
  const stops: (() => Promise<void>)[] = [() => db.drop()];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };
  try {
    const pool = testPool(db.url, 1);
    await migrateSchemasBookingReads(pool).finally(() => pool.end());
    const catalog = await startService(catalogDefinition, env);
    stops.push(() => catalog.stop());
    const booking = await startService(createBookingDefinition(), env);
    stops.push(() => booking.stop());
    const users = await startService(usersDefinition, { ...env, USERS_SIGNING_KEYS: generateSigningKeySet(), ...fastUsersEnv });
    stops.push(() => users.stop());
    const gateway = await startService(gatewayDefinition, {
      ...env,
      REDIS_URL: testRedisUrl(),
      RATE_LIMIT_KEY_PREFIX: `observed-${randomUUID().slice(0, 8)}`,
      ...Object.fromEntries([users, catalog, booking].map((s) => [upstreamSettings(s.context.declaration.name).url, s.url])),
    });
    stops.push(() => gateway.stop());
    const consumer = await startBookingsConsumer(topic);
    stops.push(consumer.stop);
    const dataDir = join(localDir, 'test', `prometheus-${randomUUID().slice(0, 8)}`);
    const prometheus = await startPrometheus({
      port: await findFreePort(),
      dataDir,
      ruleFiles: options.ruleFiles,
      targets: [
        ...[catalog, booking, users, gateway].map((s) => ({
          job: s.context.declaration.name,
          address: new URL(s.url).host,
          metricsPath: s.context.declaration.metricsPath,
        })),
        { job: consumerJob, address: consumer.address },
      ],
    });
    stops.push(async () => {
      await prometheus.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const load = await runLoad(catalog.url, booking.url, gateway.url);
    // Two more scrapes after everything settled (relay published, sweeper expired).
    await sleep(3_000);
    return { prometheus, query: (promql) => queryPrometheus(prometheus.url, promql), services: { catalog, booking, users, gateway }, consumerJob, load, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const consumerJob = 'bookings-check';

/**
 * Reads the bookings topic through the platform's consumer loop, the way a
 * later service will, so consumer metrics exist: each message must be a JSON
 * envelope with an id and a type. Its metrics are served on a port of its own.
 */
async function startBookingsConsumer(topic: string): Promise<{ address: string; stop(): Promise<void> }> {
  const logger = createLogger({ service: consumerJob }, 'error');
  const metrics = createMetrics(consumerJob);
  const consumer = await runConsumer({
    kafka: createKafka(testKafkaBrokers(), consumerJob, logger, testKafkaSasl()),
    topic,
    group: consumerJob,
    logger,
    metrics,
    fromBeginning: true,
    handle: async (message) => {
      const envelope = JSON.parse(message.value?.toString() ?? '') as { id?: unknown; type?: unknown };
      if (typeof envelope.id !== 'string' || typeof envelope.type !== 'string') throw new Error('not a ticket-bookings envelope');
    },
  });
  const server = createServer((_req, res) => {
    void metrics.registry.metrics().then((text) => res.setHeader('content-type', metrics.registry.contentType).end(text));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      await consumer.stop();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A few hundred requests through search, holds and checkout: holds created,
 * extended (checkout), released, expired; bookings confirmed and cancelled;
 * payments approved, declined, timed out, pending; refused holds (seats taken,
 * sold out, not on sale); 404s and a validation error.
 */
async function runLoad(catalogUrl: string, bookingUrl: string, gatewayUrl: string): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  const call = async (...args: Parameters<typeof http>) => {
    const res = await http(...args);
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    return res;
  };
  const partner = testToken('partner-observed', 'partner', { org: 'org-observed' });
  const buyer = (n: number) => testToken(`buyer-${n}`, 'buyer');
  const write = (n: number) => ({ token: buyer(n), headers: { 'idempotency-key': randomUUID() } });
  /** `count` calls, `width` at a time. */
  const waves = async (count: number, work: (i: number) => Promise<unknown>, width = 10) => {
    for (let start = 0; start < count; start += width) {
      await Promise.all(Array.from({ length: Math.min(width, count - start) }, (_, k) => work(start + k)));
    }
  };

  const venue = await call(catalogUrl, 'POST', '/venues', {
    token: partner,
    headers: { 'idempotency-key': randomUUID() },
    body: {
      name: 'Observed Hall',
      city: 'Porto',
      sections: [
        { name: 'Stalls', kind: 'seated', category: 'standard', rows: ['A', 'B', 'C', 'D', 'E'].map((row) => ({ row, seats: 10 })) },
        { name: 'Floor', kind: 'general_admission', category: 'floor', capacity: 12 },
      ],
    },
  });
  if (venue.status !== 201) throw new Error(`creating the venue answered ${venue.status}: ${JSON.stringify(venue.body)}`);
  const createEvent = async (title: string, status: 'on_sale' | 'draft') => {
    const res = await call(catalogUrl, 'POST', '/events', {
      token: partner,
      headers: { 'idempotency-key': randomUUID() },
      body: {
        venueId: venue.body.id,
        title,
        startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        endsAt: new Date(Date.now() + 7 * 86_400_000 + 3 * 3_600_000).toISOString(),
        status,
        priceTiers: [
          { category: 'standard', priceCents: 3500, currency: 'EUR' },
          { category: 'floor', priceCents: 2000, currency: 'EUR' },
        ],
      },
    });
    if (res.status !== 201) throw new Error(`creating an event answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  const eventId = await createEvent('Observed Night', 'on_sale');
  const draftId = await createEvent('Observed Draft', 'draft');

  // Search and reads.
  await waves(150, (i) => call(catalogUrl, 'GET', i % 2 ? '/events?city=porto' : `/events?q=observed&city=porto`));
  await waves(40, (i) => call(catalogUrl, 'GET', i % 4 ? `/events/${eventId}` : `/events/${randomUUID()}`));
  await call(catalogUrl, 'GET', '/events?from=not-a-date');

  const availability = await call(bookingUrl, 'GET', `/events/${eventId}/availability`);
  const seats: string[] = availability.body.seats.map((s: { seatId: string }) => s.seatId);
  const gaSection: string = availability.body.generalAdmission[0].sectionId;
  await waves(20, () => call(bookingUrl, 'GET', `/events/${eventId}/availability`));

  // 60 holds on 30 seats (two buyers per seat): 30 win, 30 find the seat taken.
  const owned: [holdId: string, buyer: number][] = [];
  await waves(60, async (i) => {
    const res = await call(bookingUrl, 'POST', '/holds', { ...write(i), body: { eventId, seatIds: [seats[i % 30]] } });
    if (res.status === 201) owned.push([res.body.id, i]);
  });
  // GA: 12 places, 8 holds of 2: the last ones are sold out.
  await waves(8, (i) => call(bookingUrl, 'POST', '/holds', { ...write(100 + i), body: { eventId, generalAdmission: { sectionId: gaSection, quantity: 2 } } }));
  await call(bookingUrl, 'POST', '/holds', { ...write(200), body: { eventId: draftId, seatIds: [seats[40]] } });

  const methods = ['pm_card_approved', 'pm_card_approved', 'pm_card_approved', 'pm_card_declined', 'pm_card_timeout', 'pm_card_async'];
  const booked: { reference: string; owner: number }[] = [];
  await waves(Math.min(18, owned.length), async (i) => {
    const [holdId, owner] = owned[i]!;
    const res = await call(bookingUrl, 'POST', `/holds/${holdId}/checkout`, { ...write(owner), body: { paymentMethod: methods[i % methods.length] } });
    if (res.status === 201) booked.push({ reference: res.body.reference, owner });
  });
  // Release a few, cancel a few bookings; the rest lapse and the sweeper expires them.
  await waves(Math.min(6, Math.max(0, owned.length - 18)), (i) => {
    const [holdId, owner] = owned[18 + i]!;
    return call(bookingUrl, 'DELETE', `/holds/${holdId}`, write(owner));
  });
  await waves(Math.min(3, booked.length), (i) => call(bookingUrl, 'POST', `/bookings/${booked[i]!.reference}/cancel`, write(booked[i]!.owner)));
  await waves(20, (i) => call(bookingUrl, 'GET', i % 2 ? `/holds/${randomUUID()}` : `/bookings/BK-0000-0000`, { token: buyer(i) }));
  // Through the public entry: searches, and accounts registering and logging in (users behind the gateway).
  await waves(30, (i) => call(gatewayUrl, 'GET', i % 3 ? '/api/catalog/events?city=porto' : `/api/booking/events/${eventId}/availability`));
  await waves(5, async (i) => {
    const account = { email: `observed-${i}-${randomUUID().slice(0, 6)}@example.com`, password: 'observed password 123' };
    await call(gatewayUrl, 'POST', '/api/users/auth/register', { body: { ...account, displayName: `Observed ${i}` } });
    await call(gatewayUrl, 'POST', '/api/users/auth/login', { body: account });
  });
  // Let the holds nobody paid for lapse and be swept.
  await sleep((holdTtlSeconds + 2) * 1000);
  return statuses;
}
