import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTokenVerifier, HttpProblem, jwksCache, type TokenVerifier } from '@ticketing/platform';
import { startUsers, type TestUsers } from '@ticketing/testing';
import { generateSigningKey } from '../src/signing-keys.js';
import { registerBuyer } from './support.js';

/**
 * docs/auth.md's rotation, step by step, with a verifier that lives through
 * it the way catalog's and booking's do (remote JWKS, cached): no valid token
 * is ever refused.
 */
const keyA = generateSigningKey(true);
const keyB = generateSigningKey(false);
const keySet = (...keys: object[]) => JSON.stringify({ keys });

let users: TestUsers;
let verifier: TokenVerifier;
before(async () => {
  users = await startUsers({ USERS_SIGNING_KEYS: keySet(keyA) });
  verifier = createTokenVerifier({ jwksUrl: users.url, issuer: 'ticketing-users', audience: 'ticketing' });
});
after(async () => users?.close());

const kidOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
const login = async (email: string, password: string) => (await users.call('POST', '/auth/login', { body: { email, password } })).body.accessToken as string;
const publishedKids = async () => ((await users.call('GET', '/.well-known/jwks.json')).body.keys as { kid: string }[]).map((k) => k.kid).sort();

describe('signing key rotation', () => {
  test('add B, sign with B, retire A: tokens of both keys verify throughout; A tokens stop once A is removed', async () => {
    const buyer = await registerBuyer(users);
    const tokenA = buyer.accessToken;
    assert.equal(kidOf(tokenA), keyA.kid);
    assert.equal((await verifier.verify(tokenA)).sub, buyer.account.id);

    // 1. Publish B next to A; A still signs.
    await users.restart({ USERS_SIGNING_KEYS: keySet(keyA, keyB) });
    assert.deepEqual(await publishedKids(), [keyA.kid, keyB.kid].sort());
    assert.equal(kidOf(await login(buyer.account.email, buyer.password)), keyA.kid);

    // 2. B signs; A stays published until every A token has expired.
    await users.restart({ USERS_SIGNING_KEYS: keySet({ ...keyA, active: false }, { ...keyB, active: true }) });
    const tokenB = await login(buyer.account.email, buyer.password);
    assert.equal(kidOf(tokenB), keyB.kid);
    // The verifier cached a set without B: the unknown kid makes it refetch (once its cooldown has passed).
    await sleep(jwksCache.cooldownMs + 100);
    assert.equal((await verifier.verify(tokenB)).sub, buyer.account.id, 'a token of the new key');
    assert.equal((await verifier.verify(tokenA)).sub, buyer.account.id, 'a live token of the old key');

    // 3. After ACCESS_TOKEN_TTL_SECONDS (+ the verifiers' cache age) A is removed.
    await users.restart({ USERS_SIGNING_KEYS: keySet({ ...keyB, active: true }) });
    assert.deepEqual(await publishedKids(), [keyB.kid]);
    const fresh = createTokenVerifier({ jwksUrl: users.url, issuer: 'ticketing-users', audience: 'ticketing' });
    assert.equal((await fresh.verify(tokenB)).sub, buyer.account.id);
    const refused = await fresh.verify(tokenA).catch((e: unknown) => e);
    assert.ok(refused instanceof HttpProblem && refused.status === 401, 'a token of a removed key is refused');
  });

  test('a key set without exactly one active key, or with a public key only, does not start', async () => {
    const { d: _d, ...publicOnly } = keyB;
    for (const bad of [keySet({ ...keyA, active: false }), keySet(keyA, { ...keyB, active: true }), keySet({ ...publicOnly, active: true }), 'not json']) {
      await assert.rejects(startUsers({ USERS_SIGNING_KEYS: bad }), /signing key|USERS_SIGNING_KEYS/);
    }
  });
});
