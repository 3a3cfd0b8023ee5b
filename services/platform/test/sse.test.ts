import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openApiCommon } from '../src/openapi.js';
import { startService, type ServiceDefinition } from '../src/service.js';
import { commonEnv, standardPaths, type ServiceDeclaration } from '../src/service-declaration.js';

const declaration = {
  name: 'sse-test',
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

/** A service of one GET operation at `path`, set up by `setup`, on 127.0.0.1. */
function startTestService(path: string, setup: ServiceDefinition['setup'], declared: Partial<ServiceDeclaration> = {}) {
  return startService(
    {
      declaration: { ...declaration, ...declared },
      openApi: {
        openapi: '3.1.0',
        info: { title: declaration.name, version: '1' },
        paths: { [path]: { get: { operationId: 'only', summary: 'the one operation', responses: { '200': { description: 'ok' } } } } },
        components: { schemas: { Problem: openApiCommon.problemSchema } },
      },
      setup,
    },
    { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'error' },
  );
}

/** Reads `count` events off an event-stream body. */
async function readEvents(body: ReadableStream<Uint8Array>, count: number): Promise<{ id?: string; event: string; data: unknown }[]> {
  const events: { id?: string; event: string; data: unknown }[] = [];
  let buffered = '';
  const reader = body.getReader();
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += Buffer.from(value).toString();
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const frame = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const fields = Object.fromEntries(frame.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
      if (fields['event']) events.push({ id: fields['id'], event: fields['event'], data: JSON.parse(fields['data'] ?? 'null') });
    }
  }
  reader.releaseLock();
  return events;
}

describe('Server-Sent Events', () => {
  test('events arrive framed with ids, Last-Event-ID is seen, and stopping the service ends open streams', async () => {
    let sawLastEventId: string | undefined;
    const service = await startTestService('/feed', ({ api, eventStreams }) => {
      api.operation('get', '/feed', (req, res) => {
        const stream = eventStreams.open(req, res);
        sawLastEventId = stream.lastEventId;
        stream.send('seat', { seatId: 's1', state: 'held\nsold' }, '7');
        stream.send('seat', { seatId: 's2' }, '8');
      });
    });
    const res = await fetch(`${service.url}/feed`, { headers: { accept: 'text/event-stream', 'last-event-id': '6' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(res.headers.get('cache-control'), 'no-cache, no-transform');
    const events = await readEvents(res.body!, 2);
    assert.deepEqual(events, [
      { id: '7', event: 'seat', data: { seatId: 's1', state: 'held\nsold' } },
      { id: '8', event: 'seat', data: { seatId: 's2' } },
    ]);
    assert.equal(sawLastEventId, '6');
    assert.equal(service.context.eventStreams.size, 1);

    const started = Date.now();
    await service.stop();
    assert.ok(Date.now() - started < 2_000, 'an open stream does not hold the drain');
    assert.equal(service.context.eventStreams.size, 0);
  });
});

describe('stopping a service', () => {
  test('a request that never finishes is cut after a third of the grace period; the shutdown hooks still run', async () => {
    let hooksRan = false;
    const service = await startTestService(
      '/stuck',
      ({ api, onShutdown }) => {
        api.operation('get', '/stuck', () => undefined);
        onShutdown(() => void (hooksRan = true));
      },
      { shutdownGraceSeconds: 3 },
    );
    const stuck = fetch(`${service.url}/stuck`).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await service.stop();
    const took = Date.now() - started;
    assert.ok(took >= 900 && took < 2_500, `stop took ${took} ms: it waits about 1 s for the request, then cuts it`);
    assert.equal(await stuck, 'cut');
    assert.equal(hooksRan, true);
  });
});
