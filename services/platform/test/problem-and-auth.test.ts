import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importJWK } from 'jose';
import { createTokenVerifier } from '../src/auth.js';
import { HttpProblem } from '../src/problem.js';
import { signTestJws, testAuthEnv, testIssuerKid, testIssuerPublicJwk, testToken } from '../src/testing.js';
import { createLogger } from '../src/log.js';

describe('bearer tokens (JWKS)', () => {
  const verifier = createTokenVerifier({ jwksUrl: testAuthEnv.AUTH_JWKS_URL, issuer: testAuthEnv.AUTH_ISSUER, audience: testAuthEnv.AUTH_AUDIENCE });
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: testAuthEnv.AUTH_ISSUER, aud: testAuthEnv.AUTH_AUDIENCE, sub: 'alice', role: 'buyer', iat: now, exp: now + 600 };
  const header = { alg: 'EdDSA', typ: 'JWT', kid: testIssuerKid };
  const refusal = async (token: string) => {
    const error = await verifier.verify(token).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof HttpProblem, `token was accepted: ${token}`);
    return { status: error.status, detail: error.detail };
  };

  test('a token of the trusted issuer verifies to its principal; a partner carries its organization', async () => {
    assert.deepEqual(await verifier.verify(testToken('alice', 'buyer')), { sub: 'alice', role: 'buyer' });
    assert.deepEqual(await verifier.verify(testToken('p', 'partner', { org: 'o-1' })), { sub: 'p', role: 'partner', org: 'o-1' });
  });

  test('expired, tampered, alg none, HS256 keyed with the public key, foreign issuer or audience: 401', async () => {
    assert.deepEqual(await refusal(testToken('alice', 'buyer', { ttlSeconds: -120 })), { status: 401, detail: 'token expired' });
    const [h, , sig] = testToken('alice', 'buyer').split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    assert.deepEqual(await refusal(`${h}.${forged}.${sig}`), { status: 401, detail: 'bad signature' });
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${forged}.`;
    assert.equal((await refusal(none)).status, 401);
    // The classic confusion attack: HMAC with the published public key as the secret.
    const hsInput = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: testIssuerKid })).toString('base64url')}.${forged}`;
    for (const secret of [JSON.stringify(testIssuerPublicJwk), String(testIssuerPublicJwk.x)]) {
      const hs = `${hsInput}.${createHmac('sha256', secret).update(hsInput).digest('base64url')}`;
      assert.deepEqual(await refusal(hs), { status: 401, detail: 'token algorithm is not accepted' });
    }
    assert.equal((await refusal(signTestJws(header, { ...claims, iss: 'someone-else' }))).status, 401);
    assert.equal((await refusal(signTestJws(header, { ...claims, aud: 'another-api' }))).status, 401);
    assert.equal((await refusal(signTestJws(header, { ...claims, role: 'root' }))).detail, 'token has no valid role');
    assert.equal((await refusal(signTestJws(header, { ...claims, role: 'partner' }))).detail, 'partner token has no organization');
    assert.equal((await refusal('not-a-token')).status, 401);
  });

  test('a verified token is not checked again until it expires; its expiry still counts', async () => {
    const publicKey = await importJWK(testIssuerPublicJwk, 'EdDSA');
    let keyLookups = 0;
    const counting = createTokenVerifier({
      keys: async () => {
        keyLookups++;
        return publicKey;
      },
      issuer: testAuthEnv.AUTH_ISSUER,
      audience: testAuthEnv.AUTH_AUDIENCE,
    });
    const token = testToken('alice', 'buyer');
    for (let i = 0; i < 3; i++) assert.deepEqual(await counting.verify(token), { sub: 'alice', role: 'buyer' });
    assert.equal(keyLookups, 1, 'the signature of a token already verified was checked again');
    await counting.verify(testToken('bob', 'buyer'));
    assert.equal(keyLookups, 2, 'another token is verified on its own');
    const [h, , sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    await assert.rejects(counting.verify(`${h}.${forged}.${sig}`), (e: unknown) => e instanceof HttpProblem && e.detail === 'bad signature');
    const shortLived = testToken('carol', 'buyer', { ttlSeconds: 1 });
    await counting.verify(shortLived);
    await new Promise((resolve) => setTimeout(resolve, 2100 - (Date.now() % 1000)));
    await assert.rejects(counting.verify(shortLived), (e: unknown) => e instanceof HttpProblem && e.status === 401 && e.detail === 'token expired');
  });

  test('keys that cannot be fetched are a 503 with Retry-After, not a 401', async () => {
    const server = createServer((_req, res) => void res.writeHead(500).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      for (const jwksUrl of [`http://127.0.0.1:${port}/`, 'http://127.0.0.1:1/']) {
        const down = createTokenVerifier({ jwksUrl, issuer: testAuthEnv.AUTH_ISSUER, audience: testAuthEnv.AUTH_AUDIENCE });
        const error = await down.verify(testToken('alice', 'buyer')).catch((e: unknown) => e);
        assert.ok(error instanceof HttpProblem);
        assert.equal(error.status, 503, jwksUrl);
        assert.ok(error.retryAfterSeconds! > 0);
      }
    } finally {
      server.close();
    }
  });
});

describe('JSON logs', () => {
  test('one JSON object per line with level filtering and child fields', () => {
    const lines: string[] = [];
    const logger = createLogger({ service: 's' }, 'info', (l) => lines.push(l));
    logger.debug('hidden');
    logger.child({ requestId: 'r1' }).warn('careful', { error: new Error('boom') });
    assert.equal(lines.length, 1);
    const record = JSON.parse(lines[0]!);
    assert.equal(record.level, 'warn');
    assert.equal(record.service, 's');
    assert.equal(record.requestId, 'r1');
    assert.equal(record.error.message, 'boom');
  });
});
