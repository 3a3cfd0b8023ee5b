import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { smallVenue, startCatalog, testPool, tokens, waitUntil, type TestCatalog } from '@ticketing/testing';
import type pg from 'pg';
import { csvText, showtimesCsv } from '../../catalog/test/import-files.js';
import { gatewayEnv, startGateway, type TestGateway } from './support.js';

/**
 * An import file travels through the public entry (POST /api/catalog/imports)
 * as a stream: far past BODY_LIMIT_KB, forwarded while the client is still
 * sending, refused past STREAMED_UPLOAD_LIMIT_MB.
 */
let catalog: TestCatalog;
let gateway: TestGateway;
let pool: pg.Pool;
before(async () => {
  catalog = await startCatalog({ IMPORT_POLL_INTERVAL_MS: '50' });
  pool = testPool(catalog.service.context.config.string('DATABASE_URL'));
  gateway = await startGateway(gatewayEnv({ catalog: catalog.url }, { BODY_LIMIT_KB: '64', STREAMED_UPLOAD_LIMIT_MB: '2' }));
});
after(async () => {
  await gateway?.close();
  await pool?.end();
  await catalog?.close();
});

async function venueOf() {
  const res = await gateway.call('POST', '/api/catalog/venues', { token: tokens.alice, body: smallVenue() });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id as string;
}

async function upload(body: string | Buffer | ReadableStream<Uint8Array>, query = '', headers: Record<string, string> = {}) {
  const res = await fetch(`${gateway.url}/api/catalog/imports${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.alice}`, 'content-type': 'text/csv', ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as any, type: res.headers.get('content-type') };
}

async function finishedJob(id: string) {
  return waitUntil(
    `import ${id} finished`,
    async () => {
      const res = await gateway.call('GET', `/api/catalog/imports/${id}`, { token: tokens.alice });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return !['queued', 'running'].includes(res.body.state) && res.body;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}

describe('import files through the gateway', () => {
  test('a file of 4,000 showtimes (far over BODY_LIMIT_KB) imports through /api/catalog/imports', async () => {
    const venueId = await venueOf();
    const file = csvText(venueId, 4_000, { valid: true });
    assert.ok(file.length > 8 * 64 * 1024, `the file is ${file.length} bytes`);
    const res = await upload(file, '?mode=batch');
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const job = await finishedJob(res.body.id);
    assert.equal(job.state, 'imported');
    assert.deepEqual(job.rows, { read: 4_000, accepted: 4_000, unchanged: 0, rejected: 0, skipped: 0 });
    // Any other route keeps the small limit.
    const big = await gateway.call('POST', '/api/catalog/venues', { token: tokens.alice, body: { name: 'x'.repeat(80 * 1024) } });
    assert.equal(big.status, 413);
  });

  test('the body is forwarded as it arrives: the catalog stores chunks while the client is still sending', async () => {
    const venueId = await venueOf();
    const importId = randomUUID();
    const parts = [...showtimesCsv(venueId, 6_000, { valid: true })].map((part) => Buffer.from(part.replace(/show-/g, 'streamed-')));
    const half = Math.ceil(parts.length / 2);
    const storedChunks = async () =>
      Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM catalog.import_chunks WHERE import_id = $1', [importId])).rows[0]!.n);
    let sentHalf = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sentHalf < half) {
          controller.enqueue(parts[sentHalf++]!);
          return;
        }
        // The second half waits until the first is stored upstream: a gateway that buffered the whole body would never get there.
        await waitUntil('the catalog stored part of the file before its end was sent', async () => (await storedChunks()) > 0, { timeoutMs: 15_000 });
        for (const part of parts.slice(half)) controller.enqueue(part);
        controller.close();
      },
    });
    const res = await upload(body, `?importId=${importId}`);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const job = await finishedJob(importId);
    assert.deepEqual(job.rows, { read: 6_000, accepted: 6_000, unchanged: 0, rejected: 0, skipped: 0 });
  });

  test('past STREAMED_UPLOAD_LIMIT_MB: 413 problem+json, whether declared up front or found half-way, and nothing is imported', async () => {
    const venueId = await venueOf();
    const before = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM catalog.imports')).rows[0]!.n);
    const file = Buffer.from(csvText(venueId, 30_000, { valid: true }).replace(/show-/g, 'huge-'));
    assert.ok(file.length > 2 * 1_048_576, `the file is ${file.length} bytes`);

    const declared = await upload(file);
    assert.equal(declared.status, 413, JSON.stringify(declared.body));
    assert.match(declared.type ?? '', /application\/problem\+json/);
    assert.equal(declared.body.maxBytes, 2 * 1_048_576);

    // No Content-Length (chunked): counted as it passes.
    const chunks = [...showtimesCsv(venueId, 30_000, { valid: true })];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(Buffer.from(chunk.replace(/show-/g, 'huge-')));
        controller.close();
      },
    });
    const counted = await upload(stream);
    assert.equal(counted.status, 413, JSON.stringify(counted.body));
    assert.match(counted.type ?? '', /application\/problem\+json/);

    await waitUntil('the refused uploads left nothing behind', async () => {
      const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM catalog.imports');
      return Number(rows[0]!.n) === before;
    });
    assert.equal(Number((await pool.query<{ n: string }>("SELECT count(*) AS n FROM catalog.events WHERE external_key LIKE 'huge-%'")).rows[0]!.n), 0);
  });
});
