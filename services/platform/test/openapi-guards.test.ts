import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { requireRole, tokenVerifierFrom, verifyHmacSignature } from '../src/auth.js';
import { createApi, openApiCommon, type OpenApiDocument } from '../src/openapi.js';
import { startService, type RunningService } from '../src/service.js';
import { authEnv, commonEnv, standardPaths, type ServiceDeclaration } from '../src/service-declaration.js';
import { http, testAuthEnv, testToken } from '../src/testing.js';

const webhookSecret = 'w'.repeat(40);
const body = { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } };
const ok = { '200': { description: 'ok' } };
const doc: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'guards', version: '1' },
  paths: {
    '/things': { post: { operationId: 'createThing', summary: 'guarded write', security: [{ bearerAuth: [] }], requestBody: body, responses: ok } },
    '/things/{id}': { get: { operationId: 'getThing', summary: 'guarded read', parameters: [openApiCommon.uuidPathParam('id', 'id')], responses: ok } },
    '/hooks': { post: { operationId: 'hook', summary: 'signed webhook', requestBody: body, responses: ok } },
  },
  components: {
    schemas: {
      Problem: openApiCommon.problemSchema,
      Thing: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', maxLength: 10 } } },
    },
  },
};

const declaration = {
  name: 'guards-test',
  description: 'test service',
  port: 0,
  ...standardPaths,
  entry: 'n/a',
  env: [...commonEnv, ...authEnv],
  dependencies: { postgres: false, services: [] },
  resources: { requests: { cpu: '1m', memory: '1Mi' }, limits: { cpu: '1m', memory: '1Mi' } },
  scaling: { minReplicas: 1, maxReplicas: 1, targetCpuUtilizationPercent: 50 },
  shutdownGraceSeconds: 5,
} satisfies ServiceDeclaration;

/** What each handler and guard saw, to prove what ran and in which order. */
const seen: { guardSawBody: boolean[]; handled: unknown[] } = { guardSawBody: [], handled: [] };

describe('operation steps: guards, raw body, parse, validate, handler', () => {
  let service: RunningService;
  const sign = (raw: string) => `sha256=${createHmac('sha256', webhookSecret).update(raw).digest('hex')}`;
  const json = { 'content-type': 'application/json' };

  before(async () => {
    service = await startService(
      {
        declaration,
        openApi: doc,
        setup({ api, config }) {
          const partner = requireRole(tokenVerifierFrom(config), 'partner');
          const watch = (req: { body?: unknown; rawBody?: Buffer }, _res: unknown, next: () => void) => {
            seen.guardSawBody.push(req.body !== undefined || req.rawBody !== undefined);
            next();
          };
          api.operation('post', '/things', watch, partner, (req, res) => {
            seen.handled.push(req.input?.body);
            res.json({ ok: true });
          });
          api.operation('get', '/things/{id}', partner, (_req, res) => void res.json({ ok: true }));
          const signed = verifyHmacSignature({ header: 'X-Signature', secret: webhookSecret });
          api.operation('post', '/hooks', { rawBodyGuards: [signed] }, (req, res) => void res.json({ got: req.input?.body }));
        },
      },
      { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'error', ...testAuthEnv },
    );
  });
  after(async () => service?.stop());

  test('the context hands out only what the declaration depends on, and names what is missing', () => {
    assert.throws(() => service.context.requirePool(), /does not declare a PostgreSQL dependency/);
    assert.throws(() => service.context.requireKafka(), /does not declare a Kafka dependency/);
    assert.throws(() => service.context.requireIdempotency(), /declares no database schema/);
  });

  test('no token: 401 before the body is read, however bad the body', async () => {
    for (const options of [
      { body: { name: 42, extra: true } },
      { rawBody: '{"name": ', headers: json },
      { rawBody: 'name=x', headers: { 'content-type': 'text/plain' } },
      { rawBody: JSON.stringify({ name: 'x'.repeat(100_000) }), headers: json },
    ]) {
      const res = await http(service.url, 'POST', '/things', options);
      assert.equal(res.status, 401, JSON.stringify(res.body));
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    }
    assert.ok(seen.guardSawBody.length > 0 && seen.guardSawBody.every((sawBody) => !sawBody), 'guards ran before any body was read');
    assert.equal((await http(service.url, 'GET', '/things/not-a-uuid')).status, 401, 'path parameters too are validated after the guard');
  });

  test('wrong role: 403 before validation', async () => {
    const res = await http(service.url, 'POST', '/things', { token: testToken('b', 'buyer'), body: { name: 42 } });
    assert.equal(res.status, 403);
  });

  test('authorized: validation, 413, 415 and malformed JSON still answer as before', async () => {
    const token = testToken('o', 'partner');
    const invalid = await http(service.url, 'POST', '/things', { token, body: { name: 42 } });
    assert.equal(invalid.status, 400);
    assert.deepEqual(invalid.body.errors, [{ field: 'body.name', message: 'must be string' }]);
    assert.equal((await http(service.url, 'POST', '/things', { token, rawBody: '{"name": ', headers: json })).status, 400);
    assert.equal((await http(service.url, 'POST', '/things', { token })).status, 400, 'a required body is missing');
    assert.equal((await http(service.url, 'POST', '/things', { token, rawBody: JSON.stringify({ name: 'x'.repeat(40_000) }), headers: json })).status, 413);
    assert.equal(
      (await http(service.url, 'POST', '/things', { token, rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status,
      415,
    );
    assert.equal(
      (await http(service.url, 'POST', '/things', { token, rawBody: '{"name":"x"}', headers: { 'content-type': 'application/json; charset=latin1' } })).status,
      415,
    );
    const good = await http(service.url, 'POST', '/things', { token, body: { name: 'x' } });
    assert.equal(good.status, 200);
    assert.deepEqual(seen.handled.at(-1), { name: 'x' });
  });

  test('signed webhook: the signature is checked over the raw bytes before parsing', async () => {
    // Unsigned or wrongly signed: 401 even for malformed JSON (nothing was parsed).
    assert.equal((await http(service.url, 'POST', '/hooks', { rawBody: '{"name": ', headers: json })).status, 401);
    assert.equal(
      (await http(service.url, 'POST', '/hooks', { rawBody: '{"name":"x"}', headers: { ...json, 'x-signature': sign('{"name":"y"}') } })).status,
      401,
    );
    const noBody = await http(service.url, 'POST', '/hooks', { headers: { 'x-signature': 'sha256=00' } });
    assert.equal(noBody.status, 401);
    // Signed: then parsed and validated; the exact bytes (spacing included) are what is signed.
    const raw = '{ "name" :  "x" }';
    const res = await http(service.url, 'POST', '/hooks', { rawBody: raw, headers: { ...json, 'x-signature': sign(raw) } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { got: { name: 'x' } });
    const malformed = '{"name": ';
    assert.equal((await http(service.url, 'POST', '/hooks', { rawBody: malformed, headers: { ...json, 'x-signature': sign(malformed) } })).status, 400);
    const invalid = '{"name": 5}';
    assert.equal((await http(service.url, 'POST', '/hooks', { rawBody: invalid, headers: { ...json, 'x-signature': sign(invalid) } })).status, 400);
  });

  test('raw-body guards on an operation without a request body are refused at registration', () => {
    const api = createApi(doc);
    assert.throws(
      () => api.operation('get', '/things/{id}', { rawBodyGuards: [(_req, _res, next) => next()] }, (_req, res) => void res.end()),
      /raw-body guards/,
    );
  });
});
