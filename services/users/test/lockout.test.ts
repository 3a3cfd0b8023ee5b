import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startUsers, type TestUsers } from '@ticketing/testing';
import { registerBuyer } from './support.js';

/**
 * Log-in throttling: an unknown email must be indistinguishable from a known
 * one with a wrong password — same statuses, bodies and Retry-After at every
 * step, and both spend an argon2 verification.
 */
let users: TestUsers;
before(async () => {
  users = await startUsers({
    TRUSTED_PROXY_HOPS: '1',
    LOGIN_SLOWDOWN_AFTER_FAILURES: '2',
    LOGIN_SLOWDOWN_STEP_MS: '150',
    LOGIN_ACCOUNT_LOCK_AFTER_FAILURES: '4',
    LOGIN_IP_LOCK_AFTER_FAILURES: '6',
    LOGIN_LOCK_SECONDS: '2',
  });
});
after(async () => users?.close());

let address = 0;
/** Each scenario comes from its own client address, so only the one under test counts. */
const newAddress = () => `198.51.100.${++address}`;

async function attempt(email: string, password: string, ip: string) {
  const started = performance.now();
  const res = await users.call('POST', '/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': ip } });
  return { status: res.status, body: res.body, retryAfter: res.headers.get('retry-after'), ms: performance.now() - started };
}

describe('log-in throttling', () => {
  test('known and unknown emails: the same answers at every step — slower, then 429 with Retry-After, then open again', async () => {
    const known = await registerBuyer(users);
    const unknownEmail = `nobody-${Date.now()}@example.test`;
    const [knownIp, unknownIp] = [newAddress(), newAddress()];
    const steps: { known: Awaited<ReturnType<typeof attempt>>; unknown: Awaited<ReturnType<typeof attempt>> }[] = [];
    for (let i = 0; i < 5; i += 1) {
      steps.push({ known: await attempt(known.account.email, 'wrong password!', knownIp), unknown: await attempt(unknownEmail, 'wrong password!', unknownIp) });
    }
    const shape = (a: Awaited<ReturnType<typeof attempt>>) => ({ status: a.status, body: a.body, retryAfter: a.retryAfter });
    for (const [i, step] of steps.entries()) assert.deepEqual(shape(step.known), shape(step.unknown), `attempt ${i + 1}`);
    assert.deepEqual(
      steps.map((s) => s.known.status),
      [401, 401, 401, 429, 429],
    );
    assert.equal(steps[3]!.known.retryAfter, '2');
    assert.equal(steps[3]!.known.body.type, 'https://ticketing.dev/problems/too-many-login-attempts');
    // From the 2nd failure on, answers are delayed (150 ms per failure beyond the 1st).
    assert.ok(steps[2]!.known.ms >= 280 && steps[2]!.unknown.ms >= 280, `third attempt answered after ${steps[2]!.known.ms} / ${steps[2]!.unknown.ms} ms`);

    // Locked: even the right password is refused, identically.
    assert.equal((await attempt(known.account.email, known.password, knownIp)).status, 429);
    await sleep(2100);
    assert.equal((await attempt(known.account.email, known.password, knownIp)).status, 200, 'open again after the lock');
  });

  test('one address trying many emails is locked too', async () => {
    const ip = newAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await attempt(`spray-${i}-${Date.now()}@example.test`, 'Winter2031!', ip)).status);
    assert.deepEqual(statuses.slice(5), [429, 429]);
    const known = await registerBuyer(users);
    assert.equal((await attempt(known.account.email, known.password, ip)).status, 429, 'the address is locked for every email');
    assert.equal((await attempt(known.account.email, known.password, newAddress())).status, 200, 'other addresses are not');
  });
});

describe('timing class', () => {
  let costly: TestUsers;
  before(async () => {
    // A cost where argon2 dominates the answer time (tens of milliseconds).
    costly = await startUsers({ PASSWORD_ARGON2_MEMORY_KIB: '32768', PASSWORD_ARGON2_TIME_COST: '3', LOGIN_ACCOUNT_LOCK_AFTER_FAILURES: '1000' });
  });
  after(async () => costly?.close());

  test('a wrong password for an unknown email costs an argon2 verification, like one for a known email', async () => {
    const known = await registerBuyer(costly);
    const time = async (email: string, password: string) => {
      const started = performance.now();
      const res = await costly.call('POST', '/auth/login', { body: { email, password } });
      return { status: res.status, ms: performance.now() - started };
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const knownMs: number[] = [];
    const unknownMs: number[] = [];
    const malformedMs: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      const k = await time(known.account.email, 'wrong password!');
      const u = await time(`ghost-${i}@example.test`, 'wrong password!');
      assert.deepEqual([k.status, u.status], [401, 401]);
      knownMs.push(k.ms);
      unknownMs.push(u.ms);
      // Rejected by the schema before any hashing: the floor without argon2.
      malformedMs.push((await time('x@example.test', '')).ms);
    }
    const [k, u, floor] = [median(knownMs), median(unknownMs), median(malformedMs)];
    assert.ok(u > floor * 3 && k > floor * 3, `argon2 dominates: known ${k} ms, unknown ${u} ms, no hashing ${floor} ms`);
    // Without the dummy verification an unknown email would answer near the floor, a twentieth of a known one;
    // the band is wide because a busy machine (CI beside other work) makes single logins vary by 2–3×.
    assert.ok(u / k > 1 / 3 && u / k < 3, `same timing class: known ${k} ms, unknown ${u} ms`);
  });
});
