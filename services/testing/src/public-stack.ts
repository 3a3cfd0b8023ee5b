/**
 * The whole platform as a browser meets it: users, catalog and booking (and,
 * on request, tickets, notifications and analytics) in this process behind a gateway, all on 127.0.0.1. Tokens are the users
 * service's own (log-in and register through the gateway work as in
 * production); an admin token is signed with its key, as `npm run token` does.
 */
import { randomUUID } from 'node:crypto';
import { createAnalyticsDefinition } from '@ticketing/analytics/app';
import { catalogDefinition } from '@ticketing/catalog/app';
import { createBookingDefinition } from '@ticketing/booking/app';
import { gatewayDefinition } from '@ticketing/gateway/app';
import { upstreamSettings } from '@ticketing/gateway/service';
import { startService, type RunningService } from '@ticketing/platform';
import { createTestDatabase, http, testKafkaSasl } from '@ticketing/platform/testing';
import { notificationsDefinition } from '@ticketing/notifications/app';
import { ticketsDefinition } from '@ticketing/tickets/app';
import { usersDefinition } from '@ticketing/users/app';
import { ensureTopic } from '../../../scripts/local-stack/kafka.js';
import { generateSigningKeySet, tokenMintFromSigningKeys } from '@ticketing/users';
import { createTestTopic } from './kafka.js';
import { createWaitingRoomDefinition } from '@ticketing/waiting-room';
import { deleteRedisKeys, testRedisUrl } from './redis.js';
import { migrateSchemaOf, testPool, testServiceEnv } from './services.js';
import { fastUsersEnv } from './users.js';

export interface PublicStack {
  /** The gateway: the UI at /, the API at /api/… */
  url: string;
  services: {
    users: RunningService;
    catalog: RunningService;
    booking: RunningService;
    waitingRoom: RunningService;
    gateway: RunningService;
    analytics?: RunningService;
  };
  /** A JSON call through the gateway. */
  call: (method: string, path: string, options?: Parameters<typeof http>[3]) => ReturnType<typeof http>;
  /** An admin access token of the stack's users service. */
  adminToken(): Promise<string>;
  /** A partner account (with its own new organization) that can log in with `password`. */
  createPartner(options: { email: string; password: string; displayName: string; organization: string }): Promise<{ id: string; organizationId: string }>;
  /** An access token for an existing account. */
  logIn(email: string, password: string): Promise<string>;
  stop(): Promise<void>;
}

export interface PublicStackOptions {
  /** Settings of catalog and booking (e.g. HOLD_TTL_SECONDS). */
  env?: Record<string, string>;
  /** Settings of the gateway (e.g. rate limits). */
  gatewayEnv?: Record<string, string>;
  /** Also run tickets and notifications (consuming booking's topic), so tickets and the inbox exist. @default false */
  afterPurchase?: boolean;
  /** With `afterPurchase`: settings of the notifications service (e.g. SMTP_HOST and SMTP_PORT of a test's SMTP server). @default none */
  notificationsEnv?: Record<string, string>;
  /** Also run analytics (consuming booking's topic), so the organizer's sales windows and totals exist. @default false */
  analytics?: boolean;
}

export async function startPublicStack(options: PublicStackOptions = {}): Promise<PublicStack> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };
  try {
    const db = await createTestDatabase('web');
    stops.push(() => db.drop());
    // After a purchase, tickets and notifications read the buyer's name and address from the users' tables:
    // one database for all, as in a deployment. Otherwise users keep a database of their own.
    const usersDb = options.afterPurchase ? db : await createTestDatabase('webusers');
    if (usersDb !== db) stops.push(() => usersDb.drop());
    const signingKeys = generateSigningKeySet();
    const users = await startService(usersDefinition, {
      ...testServiceEnv(usersDb.url),
      USERS_SIGNING_KEYS: signingKeys,
      ...fastUsersEnv,
    });
    stops.push(() => users.stop());
    const trustUsers = { AUTH_JWKS_URL: users.url };

    const brokers = process.env.TEST_KAFKA_BROKERS ?? '127.0.0.1:1';
    const topic = await createTestTopic(brokers, 'ticket-bookings');
    // A catalog topic of its own: stacks of other test files share the broker, and booking applies what the catalog publishes there.
    const catalogTopic = await createTestTopic(brokers, 'catalog-changes');
    const env = testServiceEnv(db.url, {
      ...trustUsers,
      KAFKA_TOPIC_BOOKINGS: topic,
      KAFKA_TOPIC_CATALOG: catalogTopic,
      SWEEPER_INTERVAL_MS: '1000',
      OUTBOX_POLL_INTERVAL_MS: '200',
      ...options.env,
    });
    const catalog = await startService(catalogDefinition, env);
    stops.push(() => catalog.stop());
    // The waiting room reads booking's inventory: its schema first; booking then verifies the room's passes.
    const pool = testPool(db.url, 2);
    await migrateSchemaOf(pool, createBookingDefinition()).finally(() => pool.end());
    const waitingRoomPrefix = `web-wr-${randomUUID().slice(0, 8)}`;
    const waitingRoom = await startService(createWaitingRoomDefinition(), {
      ...env,
      REDIS_URL: testRedisUrl(),
      WAITING_ROOM_KEY_PREFIX: waitingRoomPrefix,
      WAITING_ROOM_SIGNING_KEYS: generateSigningKeySet(),
      SCHEDULER_TICK_MS: '200',
      SCHEDULER_SYNC_MS: '1000',
      QUEUE_STREAM_REFRESH_MS: '250',
    });
    stops.push(() => waitingRoom.stop());
    stops.push(() => deleteRedisKeys(waitingRoomPrefix));
    const booking = await startService(createBookingDefinition(), { ...env, WAITING_ROOM_JWKS_URL: waitingRoom.url });
    stops.push(() => booking.stop());
    const consumers: RunningService[] = [];
    let analyticsService: RunningService | undefined;
    if (options.afterPurchase) {
      await ensureTopic(brokers, `${topic}.dlq`, 1, testKafkaSasl());
      for (const definition of [ticketsDefinition, notificationsDefinition]) {
        const own = definition === notificationsDefinition ? options.notificationsEnv : undefined;
        const service = await startService(definition, { ...env, TICKETS_SIGNING_KEYS: generateSigningKeySet(), ...own });
        stops.push(() => service.stop());
        consumers.push(service);
      }
    }
    if (options.analytics) {
      const results = await createTestTopic(brokers, 'analytics-results');
      const analytics = await startService(createAnalyticsDefinition(), {
        ...env,
        KAFKA_TOPIC_ANALYTICS_RESULTS: results,
        KAFKA_CONSUMER_GROUP: `analytics-${results}`,
      });
      stops.push(() => analytics.stop());
      consumers.push(analytics);
      analyticsService = analytics;
    }
    const gateway = await startService(gatewayDefinition, {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'error',
      ...trustUsers,
      AUTH_ISSUER: env.AUTH_ISSUER!,
      AUTH_AUDIENCE: env.AUTH_AUDIENCE!,
      REDIS_URL: testRedisUrl(),
      RATE_LIMIT_KEY_PREFIX: `web-${randomUUID().slice(0, 8)}`,
      // A browser test is one client making many calls; the budgets are tested on their own.
      RATE_LIMIT_PER_IP: '100000',
      RATE_LIMIT_PER_CLIENT: '100000',
      RATE_LIMIT_HOLDS_PER_CLIENT: '1000',
      ...Object.fromEntries([users, catalog, booking, waitingRoom, ...consumers].map((s) => [upstreamSettings(s.context.declaration.name).url, s.url])),
      ...options.gatewayEnv,
    });
    stops.push(() => gateway.stop());

    const mint = await tokenMintFromSigningKeys(signingKeys, env);
    const call: PublicStack['call'] = (method, path, callOptions) => http(gateway.url, method, path, callOptions);
    const adminToken = () => mint({ sub: randomUUID(), role: 'admin' }, 600);
    return {
      url: gateway.url,
      services: { users, catalog, booking, waitingRoom, gateway, ...(analyticsService ? { analytics: analyticsService } : {}) },
      call,
      adminToken,
      async createPartner({ email, password, displayName, organization }) {
        const token = await adminToken();
        const org = await call('POST', '/api/users/organizations', { token, body: { name: organization } });
        if (org.status !== 201) throw new Error(`creating organization answered ${org.status}: ${JSON.stringify(org.body)}`);
        const partner = await call('POST', `/api/users/organizations/${org.body.id}/partners`, { token, body: { email, password, displayName } });
        if (partner.status !== 201) throw new Error(`creating partner answered ${partner.status}: ${JSON.stringify(partner.body)}`);
        return { id: partner.body.id, organizationId: org.body.id };
      },
      async logIn(email, password) {
        const res = await call('POST', '/api/users/auth/login', { body: { email, password } });
        if (res.status !== 200) throw new Error(`log-in answered ${res.status}: ${JSON.stringify(res.body)}`);
        return res.body.accessToken as string;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
