import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createTokenVerifier } from '@ticketing/platform';
import { startUsers, type TestUsers } from '@ticketing/testing';
import { generateSigningKeySet, tokenMintFromSigningKeys } from '../src/signing-keys.js';
import { registerBuyer } from './support.js';

const signingKeys = generateSigningKeySet();
let users: TestUsers;
let db: pg.Pool;
let adminToken: string;
before(async () => {
  users = await startUsers({ USERS_SIGNING_KEYS: signingKeys });
  db = new pg.Pool({ connectionString: users.databaseUrl, max: 2 });
  adminToken = await (await tokenMintFromSigningKeys(signingKeys))({ sub: 'admin-1', role: 'admin' }, 600);
});
after(async () => {
  await db?.end();
  await users?.close();
});

const verifierOf = () => createTokenVerifier({ jwksUrl: users.url, issuer: 'ticketing-users', audience: 'ticketing' });

describe('register, log in, profile', () => {
  test('registering answers a session whose access token every service verifies against the JWKS', async () => {
    const session = await registerBuyer(users, { email: 'Ana@Example.test', displayName: 'Ana' });
    assert.equal(session.account.email, 'ana@example.test');
    const principal = await verifierOf().verify(session.accessToken);
    assert.deepEqual(principal, { sub: session.account.id, role: 'buyer' });
    const claims = JSON.parse(Buffer.from(session.accessToken.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number };
    assert.equal(claims.exp - claims.iat, 600, 'access tokens live ACCESS_TOKEN_TTL_SECONDS');
    const jwks = await users.call('GET', '/.well-known/jwks.json');
    assert.equal(jwks.status, 200);
    assert.ok(
      jwks.body.keys.every((k: Record<string, unknown>) => k.d === undefined && k.active === undefined),
      'no private part is published',
    );

    const again = await users.call('POST', '/auth/register', { body: { email: 'ANA@example.test', password: 'another password', displayName: 'Ana 2' } });
    assert.equal(again.status, 409);
    const short = await users.call('POST', '/auth/register', { body: { email: 'b@example.test', password: 'short', displayName: 'B' } });
    assert.equal(short.status, 400);
  });

  test('passwords are stored as argon2id with the declared costs; refresh tokens as sha256', async () => {
    const session = await registerBuyer(users);
    const { rows } = await db.query<{ password_hash: string }>('SELECT password_hash FROM users.accounts WHERE id = $1', [session.account.id]);
    assert.match(rows[0]!.password_hash, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    const stored = await db.query('SELECT 1 FROM users.refresh_tokens WHERE token_hash = $1', [createHash('sha256').update(session.refreshToken).digest()]);
    assert.equal(stored.rowCount, 1);
    assert.equal((await db.query('SELECT 1 FROM users.refresh_tokens WHERE token_hash::text LIKE $1', [`%${session.refreshToken}%`])).rowCount, 0);
  });

  test('log in with the right password; a wrong one is 401', async () => {
    const session = await registerBuyer(users);
    const ok = await users.call('POST', '/auth/login', { body: { email: session.account.email.toUpperCase(), password: session.password } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.account.id, session.account.id);
    const wrong = await users.call('POST', '/auth/login', { body: { email: session.account.email, password: 'not the password' } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.type, 'https://ticketing.dev/problems/invalid-credentials');
  });

  test('GET and PATCH /me; DELETE /me anonymises the person and keeps the id', async () => {
    const session = await registerBuyer(users);
    const token = session.accessToken;
    assert.equal((await users.call('GET', '/me', { token })).body.id, session.account.id);
    assert.equal((await users.call('GET', '/me')).status, 401);
    const patched = await users.call('PATCH', '/me', { token, body: { displayName: 'New Name' } });
    assert.equal(patched.body.displayName, 'New Name');
    assert.equal((await users.call('DELETE', '/me', { token })).status, 204);
    const { rows } = await db.query('SELECT email, display_name, password_hash, deleted_at IS NOT NULL AS deleted FROM users.accounts WHERE id = $1', [
      session.account.id,
    ]);
    assert.deepEqual(rows[0], { email: null, display_name: null, password_hash: null, deleted: true });
    assert.equal((await users.call('GET', '/me', { token })).status, 404);
    assert.equal((await users.call('POST', '/auth/login', { body: { email: session.account.email, password: session.password } })).status, 401);
    assert.equal((await users.call('POST', '/auth/refresh', { body: { refreshToken: session.refreshToken } })).status, 401, 'its log-ins end');
    // The email is free again: a new person, a new id.
    const reborn = await registerBuyer(users, { email: session.account.email });
    assert.notEqual(reborn.account.id, session.account.id);
  });
});

describe('refresh tokens', () => {
  test('each refresh rotates the token; the spent one is refused', async () => {
    const session = await registerBuyer(users);
    const first = await users.call('POST', '/auth/refresh', { body: { refreshToken: session.refreshToken } });
    assert.equal(first.status, 200);
    assert.notEqual(first.body.refreshToken, session.refreshToken);
    assert.deepEqual(await verifierOf().verify(first.body.accessToken), { sub: session.account.id, role: 'buyer' });
    const second = await users.call('POST', '/auth/refresh', { body: { refreshToken: first.body.refreshToken } });
    assert.equal(second.status, 200);
  });

  test('reusing a rotated token revokes the whole family, including the newest token', async () => {
    const session = await registerBuyer(users);
    const other = await users.call('POST', '/auth/login', { body: { email: session.account.email, password: session.password } });
    const rotated = await users.call('POST', '/auth/refresh', { body: { refreshToken: session.refreshToken } });
    assert.equal(rotated.status, 200);
    const replay = await users.call('POST', '/auth/refresh', { body: { refreshToken: session.refreshToken } });
    assert.equal(replay.status, 401);
    assert.equal((await users.call('POST', '/auth/refresh', { body: { refreshToken: rotated.body.refreshToken } })).status, 401, 'the family is revoked');
    assert.equal((await users.call('POST', '/auth/refresh', { body: { refreshToken: other.body.refreshToken } })).status, 200, 'another log-in is not');
  });

  test('log-out ends the family; unknown tokens are refused', async () => {
    const session = await registerBuyer(users);
    assert.equal((await users.call('POST', '/auth/logout', { body: { refreshToken: session.refreshToken } })).status, 204);
    assert.equal((await users.call('POST', '/auth/refresh', { body: { refreshToken: session.refreshToken } })).status, 401);
    assert.equal((await users.call('POST', '/auth/refresh', { body: { refreshToken: 'made-up' } })).status, 401);
  });
});

describe('organizations and partners', () => {
  test('an admin creates an organization and a partner; the partner token carries the organization', async () => {
    const org = await users.call('POST', '/organizations', { token: adminToken, body: { name: 'Harbour Events' } });
    assert.equal(org.status, 201);
    const partner = await users.call('POST', `/organizations/${org.body.id}/partners`, {
      token: adminToken,
      body: { email: 'pat@harbour.test', password: 'partner password 1', displayName: 'Pat' },
    });
    assert.equal(partner.status, 201);
    assert.equal(partner.body.role, 'partner');
    const login = await users.call('POST', '/auth/login', { body: { email: 'pat@harbour.test', password: 'partner password 1' } });
    assert.deepEqual(await verifierOf().verify(login.body.accessToken), { sub: partner.body.id, role: 'partner', org: org.body.id });
    const missing = await users.call('POST', `/organizations/${crypto.randomUUID()}/partners`, {
      token: adminToken,
      body: { email: 'x@harbour.test', password: 'partner password 1', displayName: 'X' },
    });
    assert.equal(missing.status, 404);
  });

  test('a partner creates door staff of its own organization only; the staff token carries the organization', async () => {
    const org = await users.call('POST', '/organizations', { token: adminToken, body: { name: 'Quay Events' } });
    const other = await users.call('POST', '/organizations', { token: adminToken, body: { name: 'Other Events' } });
    await users.call('POST', `/organizations/${org.body.id}/partners`, {
      token: adminToken,
      body: { email: 'quinn@quay.test', password: 'partner password 1', displayName: 'Quinn' },
    });
    const partner = (await users.call('POST', '/auth/login', { body: { email: 'quinn@quay.test', password: 'partner password 1' } })).body.accessToken;
    const staff = await users.call('POST', `/organizations/${org.body.id}/staff`, {
      token: partner,
      body: { email: 'door@quay.test', password: 'staff password 12', displayName: 'Door 1' },
    });
    assert.equal(staff.status, 201, JSON.stringify(staff.body));
    assert.deepEqual([staff.body.role, staff.body.organizationId], ['staff', org.body.id]);
    const login = await users.call('POST', '/auth/login', { body: { email: 'door@quay.test', password: 'staff password 12' } });
    assert.deepEqual(await verifierOf().verify(login.body.accessToken), { sub: staff.body.id, role: 'staff', org: org.body.id });
    const elsewhere = await users.call('POST', `/organizations/${other.body.id}/staff`, {
      token: partner,
      body: { email: 'door@other.test', password: 'staff password 12', displayName: 'Door 2' },
    });
    assert.equal(elsewhere.status, 404, "another organization's staff cannot be created by this partner");
    const byStaff = await users.call('POST', `/organizations/${org.body.id}/staff`, {
      token: login.body.accessToken,
      body: { email: 'door2@quay.test', password: 'staff password 12', displayName: 'Door 3' },
    });
    assert.equal(byStaff.status, 403, 'staff do not create staff');
    const byAdmin = await users.call('POST', `/organizations/${other.body.id}/staff`, {
      token: adminToken,
      body: { email: 'door@other.test', password: 'staff password 12', displayName: 'Door 2' },
    });
    assert.equal(byAdmin.status, 201);
  });

  test('buyers and partners cannot manage organizations', async () => {
    const buyer = await registerBuyer(users);
    assert.equal((await users.call('POST', '/organizations', { token: buyer.accessToken, body: { name: 'Mine' } })).status, 403);
    assert.equal((await users.call('POST', '/organizations', { body: { name: 'Mine' } })).status, 401);
  });
});

describe('injection strings are stored and returned inertly', () => {
  const nasty = [`Robert'); DROP TABLE users.accounts; --`, '<script>alert(1)</script>', '" OR 1=1 --', '${7*7} {{7*7}}', 'Zoë 🎫 \\u0000x'];
  test('display names and organization names come back byte for byte, as JSON', async () => {
    for (const text of nasty) {
      const session = await registerBuyer(users, { displayName: text });
      assert.equal(session.account.displayName, text);
      const me = await users.call('GET', '/me', { token: session.accessToken });
      assert.equal(me.body.displayName, text);
      assert.match(me.headers.get('content-type') ?? '', /^application\/json/);
      const org = await users.call('POST', '/organizations', { token: adminToken, body: { name: text } });
      assert.equal(org.body.name, text);
    }
    assert.ok((await db.query('SELECT count(*)::int AS n FROM users.accounts')).rows[0].n > 0, 'the table is still there');
  });
});
