import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Principal } from '@ticketing/platform';
import { http, testDatabaseServerUrl, testKafkaBrokers } from '@ticketing/platform/testing';
import { eventBody, type LocalServices, smallVenue, startCatalogAndBooking, startUsers, type TestUsers } from '@ticketing/testing';
import { generateSigningKeySet, tokenMintFromSigningKeys } from '../src/signing-keys.js';
import { registerBuyer } from './support.js';

/**
 * Every protected endpoint of catalog, booking and users × every kind of
 * caller → the exact status, with tokens from the real users service and
 * catalog and booking trusting its JWKS; no body shows another tenant's data.
 */
const callers = ['none', 'expired', 'tampered', 'algNone', 'hs256PublicKey', 'buyer', 'otherPartner', 'ownerPartner', 'admin'] as const;
type Caller = (typeof callers)[number];
const forged: readonly Caller[] = ['none', 'expired', 'tampered', 'algNone', 'hs256PublicKey'];

interface Row {
  service: 'catalog' | 'booking' | 'users';
  method: string;
  /** A function where the path needs a fresh resource per caller. */
  path: string | ((caller: Caller) => Promise<string> | string);
  body?: (caller: Caller) => unknown;
  /** Status of each valid caller; every forged token is 401, and so is no token unless `anonymous` says otherwise. */
  expect: Record<'buyer' | 'otherPartner' | 'ownerPartner' | 'admin', number>;
  /** For reads that are public unless the resource is hidden (drafts): the anonymous status. */
  anonymous?: number;
}

const signingKeys = generateSigningKeySet();
let users: TestUsers;
let services: LocalServices;
const tokens = {} as Record<Caller, string | undefined>;
/** Organization A's unpublished data: only A's partner and admins may see it. */
const secretsOfA: string[] = [];
/** The buyer's booking and person: only the buyer, the partner whose event it is, and admins. */
const secretsOfBuyer: string[] = [];
let venueId: string;
let eventId: string;
let draftId: string;
let gaSectionId: string;
let orgA: string;
let reference: string;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const baseUrl = (service: Row['service']) => ({ catalog: services.catalogUrl, booking: services.bookingUrl, users: users.url })[service];
const call = (service: Row['service'], method: string, path: string, token?: string, body?: unknown) =>
  http(baseUrl(service), method, path, { token, body, headers: method === 'GET' ? {} : { 'idempotency-key': randomUUID() } });

async function newHold(token: string): Promise<string> {
  const res = await call('booking', 'POST', '/holds', token, { eventId, generalAdmission: { sectionId: gaSectionId, quantity: 1 } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id as string;
}

before(
  async () => {
    users = await startUsers({ USERS_SIGNING_KEYS: signingKeys });
    services = await startCatalogAndBooking({
      databaseServerUrl: testDatabaseServerUrl(),
      kafkaBrokers: testKafkaBrokers().join(','),
      env: { AUTH_JWKS_URL: users.url },
    });
    const mint = await tokenMintFromSigningKeys(signingKeys);
    tokens.admin = await mint({ sub: 'matrix-admin', role: 'admin' }, 600);
    const partnerOf = async (name: string) => {
      const org = await users.call('POST', '/organizations', { token: tokens.admin, body: { name } });
      const email = `${name.toLowerCase()}@partners.test`;
      await users.call('POST', `/organizations/${org.body.id}/partners`, {
        token: tokens.admin,
        body: { email, password: 'partner password 1', displayName: name },
      });
      const login = await users.call('POST', '/auth/login', { body: { email, password: 'partner password 1' } });
      return { org: org.body.id as string, token: login.body.accessToken as string };
    };
    const a = await partnerOf('OrgA');
    const b = await partnerOf('OrgB');
    orgA = a.org;
    tokens.ownerPartner = a.token;
    tokens.otherPartner = b.token;
    const buyer = await registerBuyer(users);
    tokens.buyer = buyer.accessToken;
    const principal = JSON.parse(Buffer.from(a.token.split('.')[1]!, 'base64url').toString()) as Principal & Record<string, unknown>;
    tokens.expired = await mint({ sub: principal.sub, role: 'partner', org: orgA }, -120);
    const [h, , s] = a.token.split('.');
    tokens.tampered = `${h}.${b64({ ...principal, role: 'admin' })}.${s}`;
    tokens.algNone = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...principal, role: 'admin' })}.`;
    const jwks = JSON.stringify((await users.call('GET', '/.well-known/jwks.json')).body);
    const hsInput = `${b64({ alg: 'HS256', typ: 'JWT', kid: JSON.parse(jwks).keys[0].kid })}.${b64({ ...principal, role: 'admin' })}`;
    tokens.hs256PublicKey = `${hsInput}.${createHmac('sha256', jwks).update(hsInput).digest('base64url')}`;

    // Organization A's venue, an on-sale event, a draft, and a booking of A's buyer.
    const venue = await call('catalog', 'POST', '/venues', a.token, smallVenue());
    assert.equal(venue.status, 201, JSON.stringify(venue.body));
    venueId = venue.body.id;
    gaSectionId = venue.body.sections.find((sec: { kind: string }) => sec.kind === 'general_admission').id;
    eventId = (await call('catalog', 'POST', '/events', a.token, eventBody(venueId))).body.id;
    draftId = (await call('catalog', 'POST', '/events', a.token, eventBody(venueId, { title: 'Unannounced tour of A', status: 'draft' }))).body.id;
    const paid = await call('booking', 'POST', `/holds/${await newHold(buyer.accessToken)}/checkout`, buyer.accessToken, { paymentMethod: 'pm_card_approved' });
    assert.equal(paid.status, 201, JSON.stringify(paid.body));
    reference = paid.body.reference;
    secretsOfA.push('Unannounced tour of A');
    secretsOfBuyer.push(reference, buyer.account.id, buyer.account.email);
  },
  { timeout: 60_000 },
);
after(async () => {
  await services?.close();
  await users?.close();
});

const rows: Row[] = [
  // catalog
  { service: 'catalog', method: 'POST', path: '/venues', body: () => smallVenue(), expect: { buyer: 403, otherPartner: 201, ownerPartner: 201, admin: 201 } },
  {
    service: 'catalog',
    method: 'POST',
    path: '/events',
    body: () => eventBody(venueId),
    expect: { buyer: 403, otherPartner: 403, ownerPartner: 201, admin: 201 },
  },
  {
    service: 'catalog',
    method: 'PATCH',
    path: () => `/events/${eventId}`,
    body: () => ({ description: 'Updated' }),
    expect: { buyer: 403, otherPartner: 403, ownerPartner: 200, admin: 200 },
  },
  {
    service: 'catalog',
    method: 'GET',
    path: () => `/events/${draftId}`,
    anonymous: 404,
    expect: { buyer: 404, otherPartner: 404, ownerPartner: 200, admin: 200 },
  },
  {
    service: 'catalog',
    method: 'GET',
    path: () => `/events/${draftId}/seat-map`,
    anonymous: 404,
    expect: { buyer: 404, otherPartner: 404, ownerPartner: 200, admin: 200 },
  },
  // booking
  {
    service: 'booking',
    method: 'POST',
    path: '/holds',
    body: () => ({ eventId, generalAdmission: { sectionId: gaSectionId, quantity: 1 } }),
    expect: { buyer: 201, otherPartner: 403, ownerPartner: 403, admin: 201 },
  },
  {
    service: 'booking',
    method: 'GET',
    path: async () => `/holds/${await newHold(tokens.buyer!)}`,
    expect: { buyer: 200, otherPartner: 403, ownerPartner: 403, admin: 404 },
  },
  { service: 'booking', method: 'GET', path: '/bookings', expect: { buyer: 200, otherPartner: 403, ownerPartner: 403, admin: 200 } },
  { service: 'booking', method: 'GET', path: () => `/bookings/${reference}`, expect: { buyer: 200, otherPartner: 403, ownerPartner: 403, admin: 200 } },
  { service: 'booking', method: 'GET', path: () => `/events/${eventId}/bookings`, expect: { buyer: 403, otherPartner: 404, ownerPartner: 200, admin: 200 } },
  {
    service: 'booking',
    method: 'DELETE',
    path: async () => `/holds/${await newHold(tokens.buyer!)}`,
    expect: { buyer: 200, otherPartner: 403, ownerPartner: 403, admin: 404 },
  },
  {
    service: 'booking',
    method: 'POST',
    path: async () => `/holds/${await newHold(tokens.buyer!)}/checkout`,
    body: () => ({ paymentMethod: 'pm_card_approved' }),
    expect: { buyer: 201, otherPartner: 403, ownerPartner: 403, admin: 404 },
  },
  // users
  { service: 'users', method: 'GET', path: '/me', expect: { buyer: 200, otherPartner: 200, ownerPartner: 200, admin: 404 } },
  {
    service: 'users',
    method: 'PATCH',
    path: '/me',
    body: () => ({ displayName: 'Renamed' }),
    expect: { buyer: 200, otherPartner: 200, ownerPartner: 200, admin: 404 },
  },
  {
    service: 'users',
    method: 'POST',
    path: '/organizations',
    body: () => ({ name: 'New org' }),
    expect: { buyer: 403, otherPartner: 403, ownerPartner: 403, admin: 201 },
  },
  {
    service: 'users',
    method: 'POST',
    path: () => `/organizations/${orgA}/partners`,
    body: () => ({ email: `p-${randomUUID()}@partners.test`, password: 'partner password 1', displayName: 'P' }),
    expect: { buyer: 403, otherPartner: 403, ownerPartner: 403, admin: 201 },
  },
  {
    service: 'users',
    method: 'POST',
    path: () => `/organizations/${orgA}/staff`,
    body: () => ({ email: `s-${randomUUID()}@staff.test`, password: 'staff password 12', displayName: 'S' }),
    expect: { buyer: 403, otherPartner: 404, ownerPartner: 201, admin: 201 },
  },
];

describe('authorization matrix', () => {
  for (const row of rows) {
    const label = `${row.service} ${row.method} ${typeof row.path === 'string' ? row.path : (row.path.toString().match(/`([^`]*)`/)?.[1] ?? '…')}`;
    test(label, async () => {
      const got: Record<string, number> = {};
      const want: Record<string, number> = {};
      for (const caller of callers) {
        const path = typeof row.path === 'string' ? row.path : await row.path(caller);
        const res = await call(row.service, row.method, path, tokens[caller], row.body?.(caller));
        got[caller] = res.status;
        want[caller] = caller === 'none' && row.anonymous ? row.anonymous : forged.includes(caller) ? 401 : row.expect[caller as keyof Row['expect']];
        // A problem's `instance` echoes the caller's own request path; everything else must hold nothing of others.
        const { instance: _echo, ...shown } = (typeof res.body === 'object' && res.body) || {};
        const text = JSON.stringify(shown);
        const hidden = [
          ...(['ownerPartner', 'admin'].includes(caller) ? [] : secretsOfA),
          ...(['buyer', 'ownerPartner', 'admin'].includes(caller) ? [] : secretsOfBuyer),
        ];
        for (const secret of hidden) assert.ok(!text.includes(secret), `${label} as ${caller} shows ${secret}: ${text.slice(0, 300)}`);
      }
      assert.deepEqual(got, want);
    });
  }

  test("a buyer's list holds only its own bookings; a partner's sales only its organization's events", async () => {
    const mine = await call('booking', 'GET', '/bookings', tokens.buyer);
    assert.ok(mine.body.items.length >= 1 && mine.body.items.some((b: { reference: string }) => b.reference === reference));
    const other = await registerBuyer(users);
    assert.deepEqual((await call('booking', 'GET', '/bookings', other.accessToken)).body, { items: [] });
    const sales = await call('booking', 'GET', `/events/${eventId}/bookings`, tokens.ownerPartner);
    assert.ok(sales.body.items.every((b: { eventId: string }) => b.eventId === eventId));
  });

  test('DELETE /me: 401 for every forged token, 204 for a real account, and its bookings stay under the anonymous id', async () => {
    for (const caller of forged) assert.equal((await call('users', 'DELETE', '/me', tokens[caller])).status, 401, caller);
    const adminDelete = await call('users', 'DELETE', '/me', tokens.admin);
    assert.equal(adminDelete.status, 404, JSON.stringify(adminDelete.body));
    assert.equal((await call('users', 'DELETE', '/me', tokens.buyer)).status, 204);
    const booking = await call('booking', 'GET', `/bookings/${reference}`, tokens.admin);
    assert.equal(booking.status, 200, 'the booking outlives the person');
  });
});

describe('injection strings in catalog text fields', () => {
  const nasty = [`'); DROP TABLE catalog.events; --`, '<script>alert(document.cookie)</script>', '" OR "1"="1', '%_\\'];
  test('venue and event texts are stored and returned byte for byte, as JSON, and search treats them as text', async () => {
    for (const text of nasty) {
      const venue = await call('catalog', 'POST', '/venues', tokens.ownerPartner, smallVenue({ name: text, city: text, address: text }));
      assert.equal(venue.status, 201, JSON.stringify(venue.body));
      assert.deepEqual([venue.body.name, venue.body.city, venue.body.address], [text, text, text]);
      const event = await call('catalog', 'POST', '/events', tokens.ownerPartner, eventBody(venue.body.id, { title: text, description: text }));
      assert.equal(event.status, 201, JSON.stringify(event.body));
      const read = await call('catalog', 'GET', `/events/${event.body.id}`);
      assert.deepEqual([read.body.title, read.body.description], [text, text]);
      assert.match(read.headers.get('content-type') ?? '', /^application\/json/);
      const search = await call('catalog', 'GET', `/events?q=${encodeURIComponent(text)}`);
      assert.equal(search.status, 200, JSON.stringify(search.body));
    }
    assert.equal((await call('catalog', 'GET', `/events/${eventId}`)).status, 200, 'the tables are still there');
  });
});
