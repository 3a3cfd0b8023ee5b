import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { testToken } from '@ticketing/platform/testing';
import { gatewayEnv, startGateway, type TestGateway } from './support.js';

/**
 * An upstream whose faults the test controls: it records what reaches it,
 * cuts the connection of the first `failFirst` requests of a kind, or
 * never answers. (The real services are behind the gateway in
 * gateway.test.ts; a real service cannot be told to fail exactly once.)
 */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
const seen: Seen[] = [];
let failFirst = 0;
let server: Server;

/** An event stream that outlives the route timeout: a tick every 150 ms, five in all. */
function streamTicks(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  let tick = 0;
  const timer = setInterval(() => {
    res.write(`event: tick\ndata: ${++tick}\n\n`);
    if (tick === 5) {
      clearInterval(timer);
      res.end();
    }
  }, 150);
}
let gateway: TestGateway;
const buyer = testToken('buyer-faults', 'buyer');

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url!.startsWith('/slow')) return; // never answers
      if (req.url!.startsWith('/stream')) return streamTicks(res);
      if (failFirst > 0) {
        failFirst--;
        return req.socket.destroy(); // a replica dying mid-request
      }
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  gateway = await startGateway(gatewayEnv({ catalog: url, booking: url }, { CATALOG_TIMEOUT_MS: '400', UPSTREAM_RETRIES: '1' }));
});
after(async () => {
  await gateway?.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen.length = 0;
  failFirst = 0;
});

describe('through the gateway', () => {
  test('a slow upstream is 504 problem+json within the route timeout, never a hang', async () => {
    const started = Date.now();
    const res = await gateway.call('GET', '/api/catalog/slow/thing');
    const took = Date.now() - started;
    assert.equal(res.status, 504);
    assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(res.body.upstream, 'catalog');
    assert.ok(took >= 350 && took < 2_000, `${took} ms`);
    assert.equal(seen.length, 1, 'a timed-out call is not tried again');
  });

  test('an event stream is passed on as it arrives and may outlive the route timeout', async () => {
    const started = Date.now();
    const res = await fetch(`${gateway.url}/api/catalog/stream`, { headers: { accept: 'text/event-stream' } });
    assert.equal(res.status, 200);
    const arrivals: number[] = [];
    let text = '';
    for await (const chunk of res.body!) {
      text += Buffer.from(chunk).toString();
      arrivals.push(Date.now() - started);
    }
    assert.equal(text.match(/event: tick/g)?.length, 5, text);
    assert.ok(arrivals.at(-1)! > 600, `the stream ran past the 400 ms budget (${arrivals.at(-1)} ms)`);
    assert.ok(arrivals.length >= 3, `events arrived one by one, not buffered to the end (${arrivals.length} chunks)`);
  });

  test('services behind see the client the trusted ingress named, as the one X-Forwarded-For entry', async () => {
    // The ingress (one trusted hop) appends the address it saw; what the client wrote before it is forged.
    const res = await gateway.call('GET', '/api/catalog/whoami', { headers: { 'x-forwarded-for': '203.0.113.7, 198.51.100.9' } });
    assert.equal(res.status, 200);
    assert.equal(seen[0]?.headers['x-forwarded-for'], '198.51.100.9');
  });

  test('request id, traceparent and the token are passed on; hop-by-hop headers are not', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await gateway.call('POST', '/api/booking/holds?x=1', {
      token: buyer,
      body: { a: 1 },
      headers: { 'x-request-id': 'req-42', traceparent, 'proxy-authorization': 'secret' },
    });
    assert.equal(res.status, 201);
    const [call] = seen;
    assert.equal(call?.url, '/holds?x=1');
    assert.equal(call?.headers['x-request-id'], 'req-42');
    assert.equal(call?.headers.traceparent, traceparent);
    assert.equal(call?.headers.authorization, `Bearer ${buyer}`);
    assert.equal(call?.headers['proxy-authorization'], undefined);
    assert.equal(call?.body, '{"a":1}');
    // Without one, the gateway's own request id goes upstream and back to the client.
    await gateway.call('GET', '/api/catalog/events');
    assert.match(String(seen[1]?.headers['x-request-id']), /^[\w-]{36}$/);
  });

  test('a GET whose connection breaks is tried again', async () => {
    failFirst = 1;
    const res = await gateway.call('GET', '/api/catalog/events');
    assert.equal(res.status, 200);
    assert.equal(seen.length, 2);
  });

  test('a write with an Idempotency-Key is tried again, with the same body and key', async () => {
    failFirst = 1;
    const res = await gateway.call('POST', '/api/booking/holds', { token: buyer, body: { seats: 2 }, headers: { 'idempotency-key': 'k-1' } });
    assert.equal(res.status, 201);
    assert.equal(seen.length, 2);
    assert.deepEqual(
      seen.map((s) => [s.body, s.headers['idempotency-key']]),
      [
        ['{"seats":2}', 'k-1'],
        ['{"seats":2}', 'k-1'],
      ],
    );
  });

  test('a write without an Idempotency-Key is never repeated: 502 problem+json', async () => {
    failFirst = 1;
    const res = await gateway.call('POST', '/api/booking/holds', { token: buyer, body: { seats: 2 } });
    assert.equal(res.status, 502);
    assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(seen.length, 1);
  });

  test('with Redis unreachable the gateway keeps serving on per-process counters, and says so in /readyz', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const isolated = await startGateway(gatewayEnv({ catalog: url, booking: url }, { REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_PER_IP: '3' }));
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await isolated.call('GET', '/api/catalog/events')).status);
      assert.deepEqual(statuses, [200, 200, 200, 429], 'the same budget, counted locally');
      const ready = await isolated.call('GET', '/readyz');
      assert.equal(ready.status, 200);
      assert.equal(ready.body.status, 'degraded');
      assert.equal((ready.body.checks as { name: string; ok: boolean }[]).find((c) => c.name === 'redis')?.ok, false);
    } finally {
      await isolated.close();
    }
  });

  test('retries are bounded by UPSTREAM_RETRIES', async () => {
    failFirst = 5;
    const res = await gateway.call('GET', '/api/catalog/events');
    assert.equal(res.status, 502);
    assert.equal(seen.length, 2);
  });
});
