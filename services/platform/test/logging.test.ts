import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../src/log.js';
import { inputOf, openApiCommon } from '../src/openapi.js';
import { startService, type RunningService } from '../src/service.js';
import { commonEnv, standardPaths, type ServiceDeclaration } from '../src/service-declaration.js';
import { http } from '../src/testing.js';

const declaration = {
  name: 'logging-test',
  description: 'test service',
  port: 0,
  ...standardPaths,
  entry: 'n/a',
  env: [...commonEnv],
  dependencies: { postgres: false, services: [] },
  resources: { requests: { cpu: '1m', memory: '1Mi' }, limits: { cpu: '1m', memory: '1Mi' } },
  scaling: { minReplicas: 1, maxReplicas: 1, targetCpuUtilizationPercent: 50 },
  shutdownGraceSeconds: 5,
} satisfies ServiceDeclaration;

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('request logs (pino)', () => {
  let service: RunningService;
  const lines: Record<string, unknown>[] = [];

  before(async () => {
    service = await startService(
      {
        declaration,
        openApi: {
          openapi: '3.1.0',
          info: { title: 'logging', version: '1' },
          paths: {
            '/things/{thingId}': {
              get: {
                operationId: 'getThing',
                summary: 'logs what it got',
                parameters: [{ name: 'thingId', in: 'path', required: true, schema: { type: 'string', maxLength: 10 } }],
                responses: { '200': { description: 'ok' } },
              },
            },
          },
          components: { schemas: { Problem: openApiCommon.problemSchema } },
        },
        setup({ api }) {
          api.operation('get', '/things/{thingId}', (req, res) => {
            // What careless code might log: every secret in it must come out masked.
            req.log?.info('thing asked for', {
              headers: req.headers,
              password: 'hunter2',
              user: { email: 'alice@example.com', token: 'tok-123' },
              note: `asked by alice@example.com with ${String(req.headers.authorization)}`,
            });
            res.json({ id: (inputOf(req).params as { thingId: string }).thingId });
          });
        },
      },
      { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' },
      { writeLog: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
  });
  after(() => service.stop());

  test('a request with a traceparent logs its trace id, request id, route and ids; secrets are redacted', async () => {
    const res = await http(service.url, 'GET', '/things/t-42', {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, authorization: 'Bearer secret-token-value', 'x-request-id': 'req-1' },
    });
    assert.equal(res.status, 200);
    const request = lines.find((l) => l.msg === 'request');
    assert.ok(request, 'a request line');
    assert.equal(request.traceId, traceId);
    assert.equal(request.requestId, 'req-1');
    assert.equal(request.service, 'logging-test');
    assert.equal(request.route, '/things/{thingId}');
    assert.equal(request.thingId, 't-42');
    assert.equal(request.level, 'info');
    assert.match(String(request.time), /^\d{4}-\d\d-\d\dT/);

    const asked = lines.find((l) => l.msg === 'thing asked for')!;
    assert.equal(asked.traceId, traceId);
    const text = JSON.stringify(asked);
    for (const secret of ['secret-token-value', 'hunter2', 'alice@example.com', 'tok-123']) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    assert.equal((asked.headers as Record<string, unknown>).authorization, '[Redacted]');
    assert.equal(asked.password, '[Redacted]');
  });

  test('no traceId without a valid traceparent', async () => {
    lines.length = 0;
    for (const traceparent of [undefined, 'garbage', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, `ff-${traceId}-00f067aa0ba902b7-01`]) {
      await http(service.url, 'GET', '/things/t-1', { headers: traceparent ? { traceparent } : {} });
    }
    const requests = lines.filter((l) => l.msg === 'request');
    assert.equal(requests.length, 4);
    for (const line of requests) assert.equal(line.traceId, undefined);
  });

  test('errors keep their message and stack; the level is filtered', () => {
    const out: string[] = [];
    const logger = createLogger({ service: 's' }, 'warn', (l) => out.push(l));
    logger.info('hidden');
    logger.warn('failed', { error: new Error('boom') });
    assert.equal(out.length, 1);
    const record = JSON.parse(out[0]!);
    assert.equal(record.error.message, 'boom');
    assert.match(record.error.stack, /boom/);
  });
});
