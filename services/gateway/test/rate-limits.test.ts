import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { testToken } from '@ticketing/platform/testing';
import { type BookingHarness, startBookingHarness, startCatalog, type TestCatalog } from '@ticketing/testing';
import { gatewayEnv, spawnGateway, type TestGateway } from './support.js';

let catalog: TestCatalog;
let booking: BookingHarness;
/** Two gateway replicas, separate OS processes, sharing the test Redis and one key prefix. */
let replicas: [TestGateway, TestGateway];
const windowSeconds = 2;

before(async () => {
  [catalog, booking] = await Promise.all([startCatalog(), startBookingHarness()]);
  const env = gatewayEnv(
    { catalog: catalog.url, booking: booking.url },
    {
      RATE_LIMIT_KEY_PREFIX: `rl-${randomBytes(6).toString('hex')}`,
      RATE_LIMIT_WINDOW_SECONDS: String(windowSeconds),
      RATE_LIMIT_PER_IP: '6',
      RATE_LIMIT_PER_CLIENT: '4',
      RATE_LIMIT_HOLDS_PER_CLIENT: '2',
    },
  );
  replicas = (await Promise.all([spawnGateway(env), spawnGateway(env)])) as [TestGateway, TestGateway];
});
after(async () => {
  await Promise.all((replicas ?? []).map((r) => r.close()));
  await Promise.all([catalog?.close(), booking?.close()]);
});

/** Waits until a fresh window starts, so a test's counts are its own. */
const freshWindow = () => sleep(windowSeconds * 1000 + 100);

function assertLimited(res: { status: number; headers: Headers; body: { status?: number; budget?: string } }, budget: string) {
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  assert.equal(res.body.budget, budget);
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= windowSeconds, `Retry-After ${retryAfter}`);
  assert.equal(res.headers.get('ratelimit-remaining'), '0');
  assert.ok(Number(res.headers.get('ratelimit-reset')) >= 1);
  assert.match(res.headers.get('ratelimit-policy') ?? '', new RegExp(`;w=${windowSeconds}$`));
}

describe('rate limits shared by the replicas through Redis', () => {
  test('per IP: the budget spans both replicas; 429 with Retry-After; served again after the window', async () => {
    await freshWindow();
    const [a, b] = replicas;
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await (i % 2 ? b : a).call('GET', '/api/catalog/events'));
    assert.deepEqual(
      answers.map((r) => r.status),
      [200, 200, 200, 200, 200, 200],
    );
    assert.equal(answers[0]?.headers.get('ratelimit-limit'), '6');
    assert.equal(answers[5]?.headers.get('ratelimit-remaining'), '0');
    // Each replica alone has seen 3 of 6: only a shared counter refuses now, on both.
    const refusedA = await a.call('GET', '/api/catalog/events');
    assertLimited(refusedA, 'per-ip');
    assertLimited(await b.call('GET', '/api/catalog/events'), 'per-ip');
    // A bad token is no way around it: guessing tokens costs the IP too.
    assertLimited(await a.call('GET', '/api/catalog/events', { token: 'not.a.token' }), 'per-ip');
    await sleep(Number(refusedA.headers.get('retry-after')) * 1000 + 100);
    assert.equal((await b.call('GET', '/api/catalog/events')).status, 200, 'recovered after the window');
  });

  test('per client (token subject): a tighter budget, counted for the subject across replicas', async () => {
    await freshWindow();
    const [a, b] = replicas;
    const token = testToken(`buyer-${randomBytes(4).toString('hex')}`, 'buyer');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await (i % 2 ? b : a).call('GET', '/api/catalog/events', { token })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200]);
    assertLimited(await a.call('GET', '/api/catalog/events', { token }), 'per-client');
  });

  test('hold creation has its own stricter budget; other calls of the same client still pass', async () => {
    await freshWindow();
    const [a, b] = replicas;
    const token = testToken(`buyer-${randomBytes(4).toString('hex')}`, 'buyer');
    const hold = (replica: TestGateway) => replica.call('POST', '/api/booking/holds', { token, body: {} });
    // Booking answers (400: an empty hold request); the gateway only counts.
    assert.equal((await hold(a)).status, 400);
    assert.equal((await hold(b)).status, 400);
    assertLimited(await hold(a), 'hold-creation');
    assert.equal((await b.call('GET', '/api/catalog/events', { token })).status, 200);
  });
});
