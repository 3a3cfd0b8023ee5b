import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { compactVerify, createLocalJWKSet } from 'jose';
import { createBookingDefinition } from '@ticketing/booking/app';
import { catalogDefinition } from '@ticketing/catalog/app';
import { notificationsDefinition } from '@ticketing/notifications/app';
import { startService, type RunningService } from '@ticketing/platform';
import { generateSigningKeySet } from '@ticketing/platform/signing-keys';
import {
  createTestDatabase,
  createTestTopic,
  eventBody,
  fastUsersEnv,
  findFreePort,
  qrCodesOfPdf,
  smallVenue,
  startSmtp,
  testKafkaBrokers,
  testKafkaSasl,
  testServiceEnv,
  waitUntil,
  type TestSmtp,
} from '@ticketing/testing';
import { ticketsDefinition } from '@ticketing/tickets/app';
import { usersDefinition } from '@ticketing/users/app';
import { tokenMintFromSigningKeys } from '@ticketing/users/signing-keys';
import { ensureTopic } from '../../../scripts/local-stack/kafka.js';
import { gatewayEnv, startGateway, type TestGateway } from './support.js';

/**
 * After a purchase, as a buyer and the door staff meet the platform: every
 * service on one database and one bookings topic, everything through the
 * gateway, email to a real SMTP server.
 */
const usersKeys = generateSigningKeySet();
let gateway: TestGateway;
let smtp: TestSmtp;
const running: RunningService[] = [];
let dropDatabase: () => Promise<void>;

before(
  async () => {
    const brokers = testKafkaBrokers().join(',');
    const db = await createTestDatabase('after_purchase_e2e');
    dropDatabase = db.drop;
    const topic = await createTestTopic(brokers, 'ticket-bookings');
    await ensureTopic(brokers, `${topic}.dlq`, 1, testKafkaSasl());
    smtp = await startSmtp();
    const start = async (definition: Parameters<typeof startService>[0], env: Record<string, string>) => {
      const service = await startService(definition, env);
      running.push(service);
      return service;
    };
    const users = await start(usersDefinition, testServiceEnv(db.url, { USERS_SIGNING_KEYS: usersKeys, ...fastUsersEnv }));
    const gatewayPort = await findFreePort();
    const env = testServiceEnv(db.url, { AUTH_JWKS_URL: users.url, KAFKA_TOPIC_BOOKINGS: topic, OUTBOX_POLL_INTERVAL_MS: '100' });
    const [catalog, booking] = await Promise.all([start(catalogDefinition, env), start(createBookingDefinition(), env)]);
    const [tickets, notifications] = await Promise.all([
      start(ticketsDefinition, { ...env, TICKETS_SIGNING_KEYS: generateSigningKeySet() }),
      start(notificationsDefinition, {
        ...env,
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
        MAIL_POLL_INTERVAL_MS: '100',
        PUBLIC_BASE_URL: `http://127.0.0.1:${gatewayPort}`,
      }),
    ]);
    gateway = await startGateway(
      gatewayEnv(
        { users: users.url, catalog: catalog.url, booking: booking.url, tickets: tickets.url, notifications: notifications.url },
        { AUTH_JWKS_URL: users.url, PORT: String(gatewayPort), TRUST_PROXY_HOPS: '0' },
      ),
    );
  },
  { timeout: 90_000 },
);
after(async () => {
  await gateway?.close();
  for (const service of running.reverse()) await service.stop().catch(() => undefined);
  await smtp?.stop();
  await dropDatabase?.();
});

describe('a booking made through the gateway', () => {
  test('yields a PDF whose QR codes check-in admits once, one email and one inbox entry', { timeout: 120_000 }, async () => {
    const json = { 'idempotency-key': randomUUID() };
    const ok = <T extends { status: number; body: unknown }>(res: T, status: number): T => {
      assert.equal(res.status, status, JSON.stringify(res.body));
      return res;
    };
    // An admin sets up an organization and its partner; the partner adds door staff.
    const admin = await (await tokenMintFromSigningKeys(usersKeys))({ sub: 'e2e-admin', role: 'admin' }, 600);
    const org = ok(await gateway.call('POST', '/api/users/organizations', { token: admin, body: { name: 'Harbour Events' } }), 201).body.id;
    const login = async (email: string, password: string) =>
      ok(await gateway.call('POST', '/api/users/auth/login', { body: { email, password } }), 200).body.accessToken as string;
    ok(
      await gateway.call('POST', `/api/users/organizations/${org}/partners`, {
        token: admin,
        body: { email: 'pat@harbour.test', password: 'partner password 1', displayName: 'Pat' },
      }),
      201,
    );
    const partner = await login('pat@harbour.test', 'partner password 1');
    ok(
      await gateway.call('POST', `/api/users/organizations/${org}/staff`, {
        token: partner,
        body: { email: 'door@harbour.test', password: 'door password 12', displayName: 'North door' },
      }),
      201,
    );
    const staff = await login('door@harbour.test', 'door password 12');

    // The partner publishes an event; a buyer registers, holds two seats and pays.
    const venue = ok(await gateway.call('POST', '/api/catalog/venues', { token: partner, body: smallVenue() }), 201).body;
    const eventId = ok(await gateway.call('POST', '/api/catalog/events', { token: partner, body: eventBody(venue.id, { title: 'Fado by the River' }) }), 201)
      .body.id as string;
    const registered = ok(
      await gateway.call('POST', '/api/users/auth/register', {
        body: { email: 'alice@example.test', password: 'correct horse battery', displayName: 'Alice' },
      }),
      201,
    ).body;
    const buyer = registered.accessToken as string;
    const availability = ok(await gateway.call('GET', `/api/booking/events/${eventId}/availability`), 200).body;
    const seatIds = (availability.seats as { seatId: string; status: string }[])
      .filter((s) => s.status === 'available')
      .map((s) => s.seatId)
      .slice(0, 2);
    const hold = ok(await gateway.call('POST', '/api/booking/holds', { token: buyer, headers: json, body: { eventId, seatIds } }), 201).body;
    const paid = ok(
      await gateway.call('POST', `/api/booking/holds/${hold.id}/checkout`, {
        token: buyer,
        headers: { 'idempotency-key': randomUUID() },
        body: { paymentMethod: 'pm_card_approved' },
      }),
      201,
    ).body;
    const bookingId = ok(await gateway.call('GET', `/api/booking/bookings/${paid.reference}`, { token: buyer }), 200).body.id as string;

    // The PDF, downloaded through the gateway by its buyer.
    const pdfUrl = `${gateway.url}/api/tickets/bookings/${bookingId}/tickets.pdf`;
    const pdf = await waitUntil('the tickets PDF', async () => {
      const res = await fetch(pdfUrl, { headers: { authorization: `Bearer ${buyer}` } });
      return res.status === 200 && Buffer.from(await res.arrayBuffer());
    });
    assert.equal((await fetch(pdfUrl, { headers: { authorization: `Bearer ${staff}` } })).status, 403, 'door staff cannot download it');
    const codes = await qrCodesOfPdf(pdf);
    assert.equal(codes.length, 2, 'one QR code per seat');
    const keys = createLocalJWKSet(ok(await gateway.call('GET', '/api/tickets/.well-known/ticket-keys.json'), 200).body);
    for (const code of codes) await compactVerify(code!, keys);

    // At the door: each code admits once.
    for (const code of codes) {
      const admitted = ok(await gateway.call('POST', `/api/tickets/events/${eventId}/check-ins`, { token: staff, body: { code, gate: 'north' } }), 200);
      assert.equal(admitted.body.admitted, true);
      const again = ok(await gateway.call('POST', `/api/tickets/events/${eventId}/check-ins`, { token: staff, body: { code, gate: 'south' } }), 409);
      assert.equal(again.body.reason, 'already-admitted');
    }

    // One email and one inbox entry.
    await waitUntil('the email', async () => smtp.received.some((m) => m.to.includes('alice@example.test')));
    const inbox = async () => ok(await gateway.call('GET', '/api/notifications/me/notifications', { token: buyer }), 200).body.items;
    await waitUntil('the inbox entry', async () => (await inbox()).length > 0);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const mails = smtp.received.filter((m) => m.to.includes('alice@example.test'));
    assert.equal(mails.length, 1, 'exactly one email');
    // The email links to the booking's page in the UI (a mail client has no bearer token for the PDF itself); the gateway serves it.
    const pageUrl = `${gateway.url}/bookings/${paid.reference}`;
    assert.ok(mails[0]!.raw.includes(paid.reference) && mails[0]!.raw.includes(pageUrl), 'with the reference and the link to the booking page');
    assert.ok(!mails[0]!.raw.includes(pdfUrl), 'not the PDF URL, which answers 401 without a token');
    assert.equal((await fetch(pdfUrl)).status, 401);
    const opened = await fetch(pageUrl, { headers: { accept: 'text/html' } });
    assert.equal(opened.status, 200);
    assert.match(opened.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await opened.text(), /<div id="app"|<script/, 'the web UI, which downloads the PDF after log-in');
    const entries = await inbox();
    assert.deepEqual(
      entries.map((n: { kind: string; link: string }) => [n.kind, n.link]),
      [['booking-confirmed', pdfUrl]],
      'exactly one inbox entry',
    );
  });
});
