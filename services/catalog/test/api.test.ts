import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { OpenApiDocument } from '@ticketing/platform';
import { eventBody, smallVenue, startCatalog, type TestCatalog, tokens } from '@ticketing/testing';
import { catalogOpenApi } from '../src/openapi.js';

let catalog: TestCatalog;
/** The document this catalog's settings give. */
let doc: OpenApiDocument;
let venueId: string;
let eventId: string;
before(async () => {
  catalog = await startCatalog();
  doc = catalogOpenApi(catalog.service.context.config);
  venueId = (await catalog.call('POST', '/venues', { token: tokens.alice, body: smallVenue() })).body.id;
  eventId = (await catalog.call('POST', '/events', { token: tokens.alice, body: eventBody(venueId) })).body.id;
});
after(async () => {
  await catalog?.close();
});

/** Asserts a 4xx problem+json answer. */
async function expectProblem(status: number, method: string, path: string, options: Parameters<TestCatalog['call']>[2] = {}) {
  const res = await catalog.call(method, path, options);
  const label = `${method} ${path} ${options.rawBody?.slice(0, 80) ?? JSON.stringify(options.body)?.slice(0, 80) ?? ''}`;
  assert.equal(res.status, status, `${label}: ${JSON.stringify(res.body)}`);
  assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8', label);
  assert.equal(res.body.status, status, label);
  assert.match(res.body.type, /^https:\/\/ticketing\.dev\/problems\//, label);
  return res.body as { detail: string; errors?: { field: string; message: string }[] };
}

describe('bad input gets a 4xx problem, never a 500', () => {
  const auth = { token: tokens.alice };

  test('malformed JSON, non-object bodies, missing bodies', async () => {
    const json = { 'content-type': 'application/json' };
    assert.match((await expectProblem(400, 'POST', '/venues', { ...auth, rawBody: '{"name": ', headers: json })).detail, /not valid JSON/);
    await expectProblem(400, 'POST', '/venues', { ...auth, rawBody: 'null', headers: json });
    await expectProblem(400, 'POST', '/venues', { ...auth, rawBody: '"venue"', headers: json });
    await expectProblem(400, 'POST', '/venues', { ...auth, body: [smallVenue()] });
    await expectProblem(400, 'POST', '/venues', auth);
    await expectProblem(400, 'PATCH', `/events/${eventId}`, auth);
  });

  test('wrong types name the field', async () => {
    const body = await expectProblem(400, 'POST', '/venues', { ...auth, body: smallVenue({ name: 42, city: ['Berlin'] }) });
    assert.deepEqual(body.errors?.map((e) => e.field).sort(), ['body.city', 'body.name']);
    const seats = await expectProblem(400, 'POST', '/venues', {
      ...auth,
      body: smallVenue({ sections: [{ name: 'S', kind: 'seated', category: 'standard', rows: [{ row: 'A', seats: '10' }] }] }),
    });
    assert.ok(
      seats.errors?.some((e) => e.field === 'body.sections.0.rows.0.seats'),
      JSON.stringify(seats),
    );
    // A section's errors concern its own kind only.
    const kind = await expectProblem(400, 'POST', '/venues', {
      ...auth,
      body: smallVenue({ sections: [{ name: 'S', kind: 'seatd', category: 'standard', rows: [] }] }),
    });
    assert.deepEqual(kind.errors, [{ field: 'body.sections.0.kind', message: 'must be equal to one of the allowed values' }]);
    await expectProblem(400, 'POST', '/events', {
      ...auth,
      body: eventBody(venueId, { priceTiers: [{ category: 'vip', priceCents: '10', currency: 'EUR' }] }),
    });
    await expectProblem(400, 'POST', '/events', { ...auth, body: eventBody(venueId, { startsAt: 1700000000 }) });
    await expectProblem(400, 'PATCH', `/events/${eventId}`, { ...auth, body: { status: 'sold_out' } });
    await expectProblem(400, 'PATCH', `/events/${eventId}`, { ...auth, body: { title: null } });
  });

  test('unknown fields are rejected, at any depth', async () => {
    const top = await expectProblem(400, 'POST', '/venues', { ...auth, body: smallVenue({ capacity: 5 }) });
    assert.deepEqual(top.errors, [{ field: 'body.capacity', message: 'is not a known field' }]);
    await expectProblem(400, 'POST', '/venues', {
      ...auth,
      body: smallVenue({ sections: [{ name: 'F', kind: 'general_admission', category: 'floor', capacity: 10, price: 5 }] }),
    });
    await expectProblem(400, 'POST', '/events', { ...auth, body: eventBody(venueId, { ownerId: 'org-bob' }) });
    await expectProblem(400, 'PATCH', `/events/${eventId}`, { ...auth, body: { venueId } });
  });

  test('negative, zero, fractional and huge numbers; blank and long strings', async () => {
    const section = (over: Record<string, unknown>) =>
      smallVenue({ sections: [{ name: 'S', kind: 'seated', category: 'standard', rows: [{ row: 'A', seats: 2, ...over }] }] });
    for (const over of [{ seats: -1 }, { seats: 0 }, { seats: 1.5 }, { seats: 1e9 }, { firstNumber: 0 }, { offset: 1e308 }]) {
      await expectProblem(400, 'POST', '/venues', { ...auth, body: section(over) });
    }
    const ga = (capacity: unknown) => smallVenue({ sections: [{ name: 'F', kind: 'general_admission', category: 'floor', capacity }] });
    await expectProblem(400, 'POST', '/venues', { ...auth, body: ga(-5) });
    await expectProblem(400, 'POST', '/venues', { ...auth, body: ga(2 ** 53) });
    await expectProblem(400, 'POST', '/venues', {
      ...auth,
      rawBody: JSON.stringify(ga(1)).replace('"capacity":1', '"capacity":1e400'),
      headers: { 'content-type': 'application/json' },
    });
    for (const priceCents of [-1, 1e12, 0.5]) {
      await expectProblem(400, 'POST', '/events', { ...auth, body: eventBody(venueId, { priceTiers: [{ category: 'vip', priceCents, currency: 'EUR' }] }) });
    }
    await expectProblem(400, 'POST', '/events', { ...auth, body: eventBody(venueId, { priceTiers: [] }) });
    await expectProblem(400, 'POST', '/venues', { ...auth, body: smallVenue({ name: '   ' }) });
    await expectProblem(400, 'POST', '/venues', { ...auth, body: smallVenue({ name: 'x'.repeat(201) }) });
    await expectProblem(400, 'POST', '/venues', { ...auth, body: smallVenue({ sections: [] }) });
    await expectProblem(400, 'POST', '/events', { ...auth, body: eventBody(venueId, { startsAt: '2031-02-30T19:00:00Z' }) });
    await expectProblem(400, 'POST', '/events', { ...auth, body: eventBody(venueId, { title: 'Nul\u0000byte' }) });
    await expectProblem(400, 'GET', '/events?q=' + encodeURIComponent('a\u0000b'));
  });

  test('date-times the database cannot take are validation problems, not 500s', async () => {
    // Offsets beyond ±15:59 and year 0 pass `format: date-time` but not PostgreSQL.
    for (const value of ['2030-01-01T20:00:00-18:45', '2030-01-01T20:00:00+16:00', '0000-01-01T00:00:00Z', '9999-12-31T23:00:00-02:00']) {
      const search = await expectProblem(400, 'GET', `/events?from=${encodeURIComponent(value)}`);
      assert.ok(
        search.errors?.some((e) => e.field === 'query.from'),
        JSON.stringify(search),
      );
      await expectProblem(400, 'GET', `/events?to=${encodeURIComponent(value)}`);
      const created = await expectProblem(400, 'POST', '/events', { ...auth, body: eventBody(venueId, { startsAt: value }) });
      assert.ok(
        created.errors?.some((e) => e.field === 'body.startsAt'),
        JSON.stringify(created),
      );
      await expectProblem(400, 'PATCH', `/events/${eventId}`, { ...auth, body: { endsAt: value } });
    }
    // The extremes that are allowed work end to end.
    for (const value of ['2030-01-01T20:00:00+15:59', '2030-01-01T20:00:00-15:59', '2030-01-01t20:00:00.123456z']) {
      const res = await catalog.call('GET', `/events?from=${encodeURIComponent(value)}`);
      assert.equal(res.status, 200, `${value}: ${JSON.stringify(res.body)}`);
    }
  });

  test('unknown ids are 404, malformed ids 400', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const path of [`/events/${unknown}`, `/events/${unknown}/seat-map`, `/venues/${unknown}`, `/venues/${unknown}/seats`]) {
      await expectProblem(404, 'GET', path);
    }
    await expectProblem(404, 'GET', `/events/${eventId}/seat-map?sectionId=${unknown}`);
    await expectProblem(404, 'PATCH', `/events/${unknown}`, { ...auth, body: { title: 'x' } });
    for (const path of ['/events/123', '/events/not-a-uuid/seat-map', "/venues/1'%20OR%201=1", '/venues/x/seats', `/events/${eventId}/seat-map?sectionId=7`]) {
      await expectProblem(400, 'GET', path);
    }
    await expectProblem(400, 'PATCH', '/events/42', { ...auth, body: { title: 'x' } });
    await expectProblem(400, 'GET', '/events/%E0%A4%A');
    await expectProblem(404, 'GET', '/nowhere');
    await expectProblem(405, 'DELETE', `/events/${eventId}`);
  });

  test('oversized bodies are 413, other content types 415', async () => {
    const big = smallVenue({ address: 'x'.repeat(40_000) });
    await expectProblem(413, 'POST', '/venues', { ...auth, body: big });
    await expectProblem(415, 'POST', '/venues', { ...auth, rawBody: JSON.stringify(smallVenue()), headers: { 'content-type': 'text/plain' } });
    await expectProblem(415, 'POST', '/events', { ...auth, rawBody: 'venueId=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    await expectProblem(415, 'PATCH', `/events/${eventId}`, { ...auth, rawBody: '{"title":"x"}', headers: { 'content-type': 'text/xml' } });
  });

  test('bad tokens are 401 before the body is looked at', async () => {
    await expectProblem(401, 'POST', '/venues', { token: tokens.alice.slice(0, -3) + 'abc', body: smallVenue() });
    await expectProblem(401, 'POST', '/venues', { headers: { authorization: 'Basic dXNlcjpwdw==' }, body: smallVenue() });
    // Nothing about the schema is told to a caller without a valid token.
    await expectProblem(401, 'POST', '/venues', { body: { name: 42 } });
    await expectProblem(401, 'POST', '/events', { rawBody: '{"venueId": ', headers: { 'content-type': 'application/json' } });
    await expectProblem(401, 'PATCH', `/events/${eventId}`, { body: { status: 'sold_out' } });
    await expectProblem(403, 'POST', '/venues', { token: tokens.buyer, body: { name: 42 } });
  });

  test('nothing was written by any of the bad requests: only the fixture exists', async () => {
    const { rows } = await catalog.service.context.requirePool().query(
      `SELECT (SELECT count(*) FROM catalog.venues)::int AS venues, (SELECT count(*) FROM catalog.events)::int AS events,
              (SELECT count(*) FROM catalog.sections)::int AS sections, (SELECT count(*) FROM catalog.price_tiers)::int AS "priceTiers"`,
    );
    assert.deepEqual(rows[0], { venues: 1, events: 1, sections: 2, priceTiers: 3 });
  });
});

describe('OpenAPI document', () => {
  test('is served at /openapi.json', async () => {
    const res = await catalog.call('GET', '/openapi.json');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, JSON.parse(JSON.stringify(doc)));
    assert.equal(res.body.openapi, '3.1.0');
  });

  test('every operation has a route and every route an operation', () => {
    const { api } = catalog.service.context;
    assert.deepEqual(api.unregisteredOperations(), []);
    // Walk the express router the service mounted: nothing it serves may be missing from the document.
    const routes: string[] = [];
    for (const layer of (api.router as unknown as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] }).stack) {
      if (!layer.route) continue;
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on) routes.push(`${method} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
      }
    }
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    assert.deepEqual(routes.sort(), documented.sort());
  });

  test('search limit: the documented bounds are the enforced ones, from SEARCH_PAGE_SIZE_MAX', async () => {
    const limitOf = (d: { paths: Record<string, any> }) => d.paths['/events'].get.parameters.find((p: { name: string }) => p.name === 'limit').schema;
    const served = (await catalog.call('GET', '/openapi.json')).body;
    assert.deepEqual(limitOf(served), { type: 'integer', minimum: 1, maximum: 100, default: 20 });
    assert.equal((await catalog.call('GET', '/events?limit=100')).status, 200);
    assert.equal((await expectProblem(400, 'GET', '/events?limit=101')).errors?.[0]?.field, 'query.limit');
    const small = await startCatalog({ SEARCH_PAGE_SIZE_MAX: '7' });
    try {
      assert.deepEqual(limitOf((await small.call('GET', '/openapi.json')).body), { type: 'integer', minimum: 1, maximum: 7, default: 7 });
      assert.equal((await small.call('GET', '/events?limit=7')).status, 200);
      assert.equal((await small.call('GET', '/events?limit=8')).status, 400);
    } finally {
      await small.close();
    }
  });

  test('is self-consistent: unique operation ids, resolvable refs, writes secured and idempotent', () => {
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        assert.ok(op, `${method} ${path}`);
        assert.ok(!ids.has(op.operationId), `duplicate operationId ${op.operationId}`);
        ids.add(op.operationId);
        for (const match of path.matchAll(/\{(\w+)\}/g)) {
          assert.ok(
            op.parameters?.some((p) => p.in === 'path' && p.name === match[1]),
            `${method} ${path}: path parameter ${match[1]}`,
          );
        }
        if (method !== 'get') {
          assert.deepEqual(op.security, [{ bearerAuth: [] }], `${method} ${path} security`);
          // An upload is a file, not JSON; its importId makes retries safe instead of an Idempotency-Key.
          if (op.operationId === 'createImport') {
            assert.ok(op.parameters?.some((p) => p.name === 'importId'));
            continue;
          }
          assert.ok(
            op.parameters?.some((p) => p.name === 'Idempotency-Key'),
            `${method} ${path} Idempotency-Key`,
          );
          for (const status of ['400', '401', '403', '413', '415', '422']) assert.ok(op.responses[status], `${method} ${path} ${status}`);
          assert.equal((op.requestBody?.content['application/json'].schema as { $ref?: string }).$ref !== undefined, true);
        }
      }
    }
    const refs = JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g);
    for (const [, name] of refs) assert.ok(doc.components.schemas[name!], `unresolved $ref ${name}`);
    // Request bodies are closed: every input object schema forbids unknown fields.
    for (const name of ['VenueInput', 'SeatedSectionInput', 'GeneralAdmissionSectionInput', 'RowInput', 'EventInput', 'EventPatch', 'PriceTier']) {
      assert.equal(doc.components.schemas[name]!.additionalProperties, false, name);
    }
  });
});
