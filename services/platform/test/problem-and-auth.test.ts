import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signToken, verifyToken } from '../src/auth.js';
import { createLogger } from '../src/log.js';

describe('bearer tokens', () => {
  const secret = 'x'.repeat(40);
  test('a signed token verifies to its principal', () => {
    assert.deepEqual(verifyToken(secret, signToken(secret, { sub: 'alice', role: 'buyer' })), { sub: 'alice', role: 'buyer' });
  });
  test('tampering, another key, expiry and alg confusion are refused', () => {
    const token = signToken(secret, { sub: 'alice', role: 'buyer' });
    const [h, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'alice', role: 'admin', exp: 9e9 })).toString('base64url');
    assert.equal(verifyToken(secret, `${h}.${forged}.${s}`), 'bad signature');
    assert.equal(verifyToken('y'.repeat(40), token), 'bad signature');
    assert.equal(verifyToken(secret, signToken(secret, { sub: 'alice', role: 'buyer', ttlSeconds: -10 })), 'token expired');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${forged}.`;
    assert.equal(verifyToken(secret, none), 'bad signature');
    assert.equal(verifyToken(secret, 'not-a-token'), 'malformed token');
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
