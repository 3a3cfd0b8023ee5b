import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { analyticsOpenApi } from '@ticketing/analytics/openapi';
import { bookingOpenApi } from '@ticketing/booking/openapi';
import { catalogOpenApi } from '@ticketing/catalog/openapi';
import { usersOpenApi } from '@ticketing/users/openapi';
import { waitingRoomOpenApi } from '@ticketing/waiting-room/openapi';
import type { OpenApiDocument } from '@ticketing/platform';
import {
  type BookingHarness,
  startAnalytics,
  startBookingHarness,
  startCatalog,
  startUsers,
  startWaitingRoomStack,
  type TestAnalytics,
  type TestCatalog,
  type TestUsers,
  tokens,
  type WaitingRoomStack,
} from '@ticketing/testing';
import { gatewayEnv, startGateway, type TestGateway } from './support.js';

let catalog: TestCatalog;
let booking: BookingHarness;
let users: TestUsers;
let waitingRoom: WaitingRoomStack;
let gateway: TestGateway;
let analytics: TestAnalytics;
const allowedOrigin = 'https://tickets.example.com';

before(async () => {
  [catalog, booking, users, analytics, waitingRoom] = await Promise.all([
    startCatalog(),
    startBookingHarness(),
    startUsers(),
    startAnalytics(),
    startWaitingRoomStack(),
  ]);
  gateway = await startGateway(
    gatewayEnv(
      { users: users.url, catalog: catalog.url, booking: booking.url, analytics: analytics.url, 'waiting-room': waitingRoom.url },
      { BODY_LIMIT_KB: '8', CORS_ALLOWED_ORIGINS: `${allowedOrigin}, https://admin.example.com` },
    ),
  );
});
after(async () => {
  await gateway?.close();
  await Promise.all([catalog?.close(), booking?.close(), users?.close(), analytics?.close(), waitingRoom?.close()]);
});

const isProblem = (res: { headers: Headers; body: { status?: number } }, status: number) => {
  assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  assert.equal(res.body.status, status);
};

describe('routing', () => {
  test('/api/<service>/… reaches that service, with the request id passed on', async () => {
    const created = await gateway.call('POST', '/api/catalog/venues', {
      token: tokens.alice,
      body: {
        name: 'Gate Hall',
        city: 'Oslo',
        address: 'Gata 1',
        timezone: 'Europe/Oslo',
        sections: [{ name: 'Floor', kind: 'general_admission', capacity: 10, category: 'standard' }],
      },
      headers: { 'x-request-id': 'gateway-test-1' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.headers.get('x-request-id'), 'gateway-test-1');
    const direct = await catalog.call('GET', `/venues/${created.body.id}`);
    const through = await gateway.call('GET', `/api/catalog/venues/${created.body.id}`);
    assert.equal(through.status, 200);
    assert.deepEqual(through.body, direct.body);
    const hold = await gateway.call('GET', '/api/booking/holds/00000000-0000-4000-8000-000000000000', { token: tokens.buyer });
    assert.equal(hold.status, 404, 'booking answered');
    isProblem(hold, 404);
  });

  test('metrics count proxied requests per upstream route, not per raw URL', async () => {
    await gateway.call('GET', '/api/catalog/events?city=oslo');
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(metrics, /http_requests_total\{[^}]*route="\/api\/catalog\{\/\*path\}"[^}]*\} \d+/);
    assert.doesNotMatch(metrics, /route="\/api\/catalog\/events/);
  });

  test("every operation of the gateway's own document has its handler", () => {
    assert.deepEqual(gateway.service?.context.api.unregisteredOperations(), []);
  });

  test('a path of no service is 404 problem+json from the gateway', async () => {
    const res = await gateway.call('GET', '/api/nowhere/x');
    assert.equal(res.status, 404);
    isProblem(res, 404);
  });

  test('a forged token is refused at the edge, even where the service would not look at it', async () => {
    const [header, payload] = tokens.buyer.split('.');
    const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    assert.equal((await catalog.call('GET', '/events', { token: forged })).status, 200, 'the catalog does not check tokens on search');
    const res = await gateway.call('GET', '/api/catalog/events', { token: forged });
    assert.equal(res.status, 401);
    isProblem(res, 401);
  });
});

describe('limits and headers', () => {
  test('a body over BODY_LIMIT_KB is 413 problem+json, before the upstream sees it', async () => {
    const res = await gateway.call('POST', '/api/catalog/venues', { token: tokens.alice, body: { name: 'x'.repeat(9 * 1024) } });
    assert.equal(res.status, 413);
    isProblem(res, 413);
  });

  test('security headers: CSP with frame-ancestors, HSTS, nosniff', async () => {
    const res = await gateway.call('GET', '/api/catalog/events');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /default-src 'self'/);
    assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=31536000/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-powered-by'), null);
  });

  test('CORS answers only the configured origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${gateway.url}/api/booking/holds`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key' },
      });
    const allowed = await preflight(allowedOrigin);
    assert.equal(allowed.headers.get('access-control-allow-origin'), allowedOrigin);
    assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /Idempotency-Key/);
    const other = await preflight('https://evil.example.net');
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const simple = await gateway.call('GET', '/api/catalog/events', { headers: { origin: 'https://evil.example.net' } });
    assert.equal(simple.headers.get('access-control-allow-origin'), null);
  });
});

describe('the public API document and its docs page', () => {
  test('lists every operation of every upstream under /api/<service>, with resolvable references', async () => {
    const res = await gateway.call('GET', '/api/openapi.json');
    assert.equal(res.status, 200);
    const merged = res.body as OpenApiDocument;
    assert.equal(merged.openapi, '3.1.0');
    const upstreams: [string, OpenApiDocument][] = [
      ['catalog', catalogOpenApi(catalog.service.context.config)],
      ['booking', bookingOpenApi(booking.service.context.config)],
      ['users', usersOpenApi(users.service.context.config)],
      ['analytics', analyticsOpenApi(analytics.service.context.config)],
      ['waiting-room', waitingRoomOpenApi(waitingRoom.replicas[0]!.context.config)],
    ];
    let count = 0;
    for (const [service, doc] of upstreams) {
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          const mergedOp = merged.paths[`/api/${service}${path}`]?.[method as 'get'];
          assert.equal(mergedOp?.operationId, op.operationId, `${method} /api/${service}${path}`);
          count++;
        }
      }
    }
    assert.ok(count >= 10, `${count} operations`);
    assert.equal(Object.values(merged.paths).flatMap((ops) => Object.keys(ops)).length, count, 'nothing but the upstreams’ operations');
    for (const ref of JSON.stringify(merged).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
      assert.ok(merged.components.schemas[ref[1]!], `schema ${ref[1]} exists`);
    }
  });

  test('the docs page and everything it loads come from the gateway, no external URL', async () => {
    const redirect = await fetch(`${gateway.url}/api/docs`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    const page = await fetch(`${gateway.url}/api/docs/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /swagger-ui/);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.length >= 4, assets.join(' '));
    for (const asset of assets) {
      assert.doesNotMatch(asset, /^(https?:)?\/\//, `${asset} is local`);
      const loaded = await fetch(new URL(asset, `${gateway.url}/api/docs/`));
      assert.equal(loaded.status, 200, asset);
      if (asset.endsWith('.js') && !asset.includes('bundle') && !asset.includes('preset')) {
        const script = await loaded.text();
        assert.doesNotMatch(script, /https?:\/\//, `${asset} names no external URL`);
        assert.match(script, /\/api\/openapi\.json/);
      } else await loaded.body?.cancel();
    }
    assert.doesNotMatch(page.headers.get('content-security-policy') ?? '', /https?:/, 'CSP allows no other origin');
  });
});

describe('a stopped upstream', () => {
  test('answers 503 problem+json with Retry-After for its routes; the others keep working; /readyz says degraded', async () => {
    await booking.service.stop();
    const res = await gateway.call('GET', '/api/booking/holds/00000000-0000-4000-8000-000000000000', { token: tokens.buyer });
    assert.equal(res.status, 503, JSON.stringify(res.body));
    isProblem(res, 503);
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    assert.equal((await gateway.call('GET', '/api/catalog/events')).status, 200);
    const ready = await gateway.call('GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, 'degraded');
    const byName = Object.fromEntries((ready.body.checks as { name: string; ok: boolean }[]).map((c) => [c.name, c.ok]));
    assert.deepEqual(byName, { redis: true, users: true, catalog: true, booking: false, analytics: true, 'waiting-room': true });
    // Within OPENAPI_CACHE_SECONDS the merged document comes from the cache, booking included.
    const cached = await gateway.call('GET', '/api/openapi.json');
    assert.ok(cached.body.paths['/api/booking/holds'], 'cached document');
    // Built afresh, it has the catalog and says what is missing.
    const uncached = await startGateway(
      gatewayEnv(
        { users: users.url, catalog: catalog.url, booking: booking.url, analytics: analytics.url, 'waiting-room': waitingRoom.url },
        { OPENAPI_CACHE_SECONDS: '0' },
      ),
    );
    try {
      const doc = await uncached.call('GET', '/api/openapi.json');
      assert.equal(doc.status, 200);
      assert.match(doc.body.info.description, /Not included right now.*booking/);
      assert.ok(doc.body.paths['/api/catalog/events']);
      assert.equal(doc.body.paths['/api/booking/holds'], undefined);
    } finally {
      await uncached.close();
    }
  });
});
