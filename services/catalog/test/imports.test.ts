import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { smallVenue, startCatalog, testPool, tokens, waitUntil, type TestCatalog } from '@ticketing/testing';
import type pg from 'pg';
import { brokenRows, csvHeader, csvText, showtimeRow } from './import-files.js';

let catalog: TestCatalog;
let pool: pg.Pool;
before(async () => {
  // A small file-size limit, so a compressed bomb is cheap to build; the 100,000-row file fits.
  catalog = await startCatalog({ IMPORT_POLL_INTERVAL_MS: '50', IMPORT_MAX_BYTES: String(24 * 2 ** 20) });
  pool = testPool(catalog.service.context.config.string('DATABASE_URL'));
});
after(async () => {
  await pool?.end();
  await catalog?.close();
});

type Body = string | Buffer;
async function upload(token: string, body: Body, options: { type?: string; query?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${catalog.url}/imports${options.query ? `?${options.query}` : ''}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': options.type ?? 'text/csv', ...options.headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as any, location: res.headers.get('location') };
}

const finished = (job: { state: string }) => !['queued', 'running'].includes(job.state);

async function finishedJob(id: string, token = tokens.alice) {
  return waitUntil(
    `import ${id} finished`,
    async () => {
      const res = await catalog.call('GET', `/imports/${id}`, { token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return finished(res.body) && res.body;
    },
    { timeoutMs: 240_000, intervalMs: 100 },
  );
}

async function importAndWait(token: string, body: Body, options: Parameters<typeof upload>[2] = {}) {
  const res = await upload(token, body, options);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return finishedJob(res.body.id, token);
}

async function rejectionsOf(id: string, token = tokens.alice) {
  const res = await catalog.call('GET', `/imports/${id}/rejections?limit=1000`, { token });
  assert.equal(res.status, 200);
  return res.body.items as { line: number; field: string; reason: string }[];
}

async function venueOf(token: string) {
  const res = await catalog.call('POST', '/venues', { token, body: smallVenue() });
  assert.equal(res.status, 201);
  return res.body.id as string;
}

const count = async (sql: string, params: unknown[]) => Number((await pool.query<{ n: string }>(sql, params)).rows[0]!.n);
const eventsOf = (venueId: string) => count('SELECT count(*) AS n FROM catalog.events WHERE venue_id = $1', [venueId]);

describe('imports at volume', () => {
  test('100,000 showtimes: correct counts, every rejected row reported; the same file again changes nothing', async () => {
    const venueId = await venueOf(tokens.alice);
    const rows = 100_000;
    const file = csvText(venueId, rows);
    const importId = randomUUID();
    const first = await upload(tokens.alice, file, { query: `mode=batch&batchSize=1000&importId=${importId}` });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    assert.equal(first.location, `/imports/${importId}`);
    assert.equal(first.body.state, 'queued');

    const job = await finishedJob(importId);
    // Broken rows fall in three batches of 1,000 (rows 20000-20999, 50000-50999, 80000-80999): those are left out whole.
    const broken = brokenRows(rows);
    assert.equal(job.state, 'partially_imported');
    assert.deepEqual(job.rows, { read: rows, accepted: rows - 3000, unchanged: 0, rejected: broken.length, skipped: 3000 - broken.length });
    const rejected = await rejectionsOf(importId);
    assert.equal(rejected.length, broken.length);
    for (const [i, b] of broken.entries()) {
      assert.equal(rejected[i]!.line, b.index + 2, JSON.stringify(rejected[i]));
      assert.equal(rejected[i]!.field, b.field, JSON.stringify(rejected[i]));
      assert.match(rejected[i]!.reason, b.reason);
    }
    assert.equal(await eventsOf(venueId), rows - 3000);
    assert.equal(
      await count('SELECT count(*) AS n FROM catalog.price_tiers p JOIN catalog.events e ON e.id = p.event_id WHERE e.venue_id = $1', [venueId]),
      3 * (rows - 3000),
    );
    const event = await pool.query(`SELECT id FROM catalog.events WHERE venue_id = $1 AND external_key = 'show-7'`, [venueId]);
    const read = await catalog.call('GET', `/events/${event.rows[0].id}`);
    assert.equal(read.body.title, 'Film 7, screening 7');
    assert.equal(read.body.key, 'show-7');
    assert.deepEqual(
      read.body.priceTiers.map((t: any) => [t.category, t.priceCents]),
      [
        ['floor', 3000],
        ['standard', 5000],
        ['vip', 9000],
      ],
    );

    // The same upload again (a retry) answers the same job.
    const retried = await upload(tokens.alice, file, { query: `mode=batch&batchSize=1000&importId=${importId}` });
    assert.equal(retried.status, 200);
    assert.deepEqual(retried.body, job);
    // The same id for another file is refused.
    assert.equal((await upload(tokens.alice, csvText(venueId, 10), { query: `importId=${importId}` })).status, 409);

    // The same file as a new import: every row is recognised by its key, nothing changes.
    const changes = await count('SELECT count(*) AS n FROM catalog.changes', []);
    const updated = await pool.query('SELECT max(updated_at) AS at FROM catalog.events WHERE venue_id = $1', [venueId]);
    const again = await importAndWait(tokens.alice, file, { query: 'mode=batch&batchSize=1000' });
    assert.notEqual(again.id, importId);
    assert.deepEqual(again.rows, { read: rows, accepted: 0, unchanged: rows - 3000, rejected: broken.length, skipped: 3000 - broken.length });
    assert.equal(await eventsOf(venueId), rows - 3000);
    assert.equal(await count('SELECT count(*) AS n FROM catalog.changes', []), changes);
    assert.deepEqual((await pool.query('SELECT max(updated_at) AS at FROM catalog.events WHERE venue_id = $1', [venueId])).rows, updated.rows);
  });

  test('mode=file is all or nothing: one bad row imports nothing; the fixed file imports everything', async () => {
    const venueId = await venueOf(tokens.alice);
    const good = (i: number) => showtimeRow(venueId, 200_000 + i);
    const lines = Array.from({ length: 50 }, (_, i) => good(i));
    lines[30] = lines[30]!.replace('EUR', 'eur');
    const rejected = await importAndWait(tokens.alice, [csvHeader, ...lines].join('\n'));
    assert.equal(rejected.state, 'rejected');
    assert.deepEqual(rejected.rows, { read: 50, accepted: 0, unchanged: 0, rejected: 1, skipped: 49 });
    assert.deepEqual(
      (await rejectionsOf(rejected.id)).map((r) => [r.line, r.field]),
      [[32, 'currency']],
    );
    assert.equal(await eventsOf(venueId), 0);

    lines[30] = good(30);
    const imported = await importAndWait(tokens.alice, [csvHeader, ...lines].join('\r\n') + '\r\n');
    assert.equal(imported.state, 'imported');
    assert.deepEqual(imported.rows, { read: 50, accepted: 50, unchanged: 0, rejected: 0, skipped: 0 });
    assert.equal(await eventsOf(venueId), 50);
  });

  test('JSON Lines carry venues (seat maps) and the events that use them by key', async () => {
    const venue = { type: 'venue', key: 'hall-1', ...smallVenue({ name: 'Imported Hall' }) };
    const tiers = [
      { category: 'vip', priceCents: 9000, currency: 'EUR' },
      { category: 'standard', priceCents: 5000, currency: 'EUR' },
      { category: 'floor', priceCents: 3000, currency: 'EUR' },
    ];
    const event = (i: number, extra: Record<string, unknown> = {}) => ({
      type: 'event',
      key: `night-${i}`,
      venueKey: 'hall-1',
      title: `Night ${i}`,
      startsAt: `2032-0${1 + (i % 9)}-01T19:00:00Z`,
      endsAt: `2032-0${1 + (i % 9)}-01T22:00:00Z`,
      priceTiers: tiers,
      ...extra,
    });
    const lines = [
      venue,
      event(1),
      event(2, { status: 'scheduled', salesOpenAt: '2031-12-01T10:00:00Z' }),
      event(3, { status: 'draft' }),
      event(4, { venueKey: 'no-such-hall' }),
      event(5, { status: 'scheduled' }),
      event(6, { priceTiers: tiers.slice(1) }),
    ];
    const job = await importAndWait(tokens.alice, lines.map((l) => JSON.stringify(l)).join('\n'), {
      type: 'application/x-ndjson',
      query: 'mode=batch&batchSize=2',
    });
    // Batches of 2 lines: [venue, 1] and [2, 3] go in; [4, 5] and [6] are left out.
    assert.equal(job.state, 'partially_imported');
    assert.deepEqual(job.rows, { read: 7, accepted: 4, unchanged: 0, rejected: 3, skipped: 0 });
    assert.deepEqual(
      (await rejectionsOf(job.id)).map((r) => [r.line, r.field]),
      [
        [5, 'venueKey'],
        [6, 'salesOpenAt'],
        [7, 'priceTiers'],
      ],
    );
    const venues = await pool.query(`SELECT id FROM catalog.venues WHERE external_key = 'hall-1' AND owner_id = 'org-alice'`);
    const seats = await catalog.call('GET', `/venues/${venues.rows[0].id}/seats`);
    assert.equal(seats.body.seats.length, 9);
    const statuses = await pool.query(`SELECT external_key, status FROM catalog.events WHERE venue_id = $1 ORDER BY external_key`, [venues.rows[0].id]);
    assert.deepEqual(
      statuses.rows.map((r) => [r.external_key, r.status]),
      [
        ['night-1', 'on_sale'],
        ['night-2', 'scheduled'],
        ['night-3', 'draft'],
      ],
    );
  });
});

describe('malformed files get a clear 4xx or rejected rows, never a 500', () => {
  test('wrong encoding, missing or unknown columns, wrong media type or encoding, an empty file', async () => {
    const venueId = await venueOf(tokens.alice);
    const latin1 = Buffer.from(`${csvHeader}\n${showtimeRow(venueId, 1)}\n${showtimeRow(venueId, 2).replace('Cinema night', 'Soirée')}\n`, 'latin1');
    const notUtf8 = await upload(tokens.alice, latin1);
    assert.equal(notUtf8.status, 422);
    assert.equal(notUtf8.body.type, 'https://ticketing.dev/problems/not-utf8');
    assert.match(notUtf8.body.detail, /line 3 /);

    const missing = await upload(tokens.alice, 'event_key,venue_id,title,starts_at,ends_at\nx,y,z,a,b\n');
    assert.equal(missing.status, 422);
    assert.match(missing.body.detail, /missing columns: currency, prices/);
    const unknown = await upload(tokens.alice, `${csvHeader},colour\n`);
    assert.equal(unknown.status, 422);
    assert.match(unknown.body.detail, /unknown columns: colour/);

    assert.equal((await upload(tokens.alice, '{}', { type: 'application/json' })).status, 415);
    assert.equal((await upload(tokens.alice, csvHeader, { type: 'text/csv; charset=iso-8859-1' })).status, 415);
    assert.equal((await upload(tokens.alice, csvHeader, { headers: { 'content-encoding': 'br' } })).status, 415);
    assert.equal((await upload(tokens.alice, '')).status, 400);
    assert.equal((await upload(tokens.alice, gzipSync('not a gzip member').subarray(0, 12), { headers: { 'content-encoding': 'gzip' } })).status, 400);
    // Nothing of a refused upload is kept.
    assert.equal(await count(`SELECT count(*) AS n FROM catalog.imports WHERE state = 'uploading'`, []), 0);
  });

  test('a 10 MB single line and a compressed bomb are refused while streaming; the process stays small and healthy', async () => {
    const rssBefore = process.memoryUsage().rss;
    const longLine = Buffer.alloc(10 * 2 ** 20, 'a');
    const tooLong = await upload(tokens.alice, longLine, { type: 'application/x-ndjson' });
    assert.equal(tooLong.status, 422);
    assert.equal(tooLong.body.type, 'https://ticketing.dev/problems/line-too-long');
    assert.match(tooLong.body.detail, /line 1 is longer than 1048576 bytes/);

    // 64 MiB of CSV-looking text in about 64 KiB of gzip: inflated only up to IMPORT_MAX_BYTES.
    const bomb = gzipSync(Buffer.concat([Buffer.from(`${csvHeader}\n`), Buffer.alloc(64 * 2 ** 20, 'a,b,c,d,e,f,g,h\n')]));
    assert.ok(bomb.length < 2 ** 20);
    const inflated = await upload(tokens.alice, bomb, { headers: { 'content-encoding': 'gzip' } });
    assert.equal(inflated.status, 413);
    assert.equal(inflated.body.type, 'https://ticketing.dev/problems/file-too-large');

    // A gzip file within the limits is imported like the plain one.
    const venueId = await venueOf(tokens.alice);
    const small = await importAndWait(tokens.alice, gzipSync(csvText(venueId, 20, { valid: true }).replace(/show-/g, 'gz-')), {
      headers: { 'content-encoding': 'gzip' },
    });
    assert.equal(small.rows.read, 20);

    assert.equal((await catalog.call('GET', '/healthz')).status, 200);
    assert.ok(process.memoryUsage().rss - rssBefore < 256 * 2 ** 20, 'memory stays bounded');
  });

  test('bad lines are rejected rows: not JSON, not an object, unknown type, deeply nested, an unclosed CSV quote fails the job by line', async () => {
    const lines = ['{"type": "event", ', '[1, 2]', '{"type": "concert"}', '['.repeat(100_000) + ']'.repeat(100_000), '', '{"type": "venue", "key": "v"}'];
    const job = await importAndWait(tokens.alice, lines.join('\n'), { type: 'application/x-ndjson' });
    assert.equal(job.state, 'rejected');
    assert.deepEqual(
      (await rejectionsOf(job.id)).map((r) => [r.line, r.field]),
      [
        [1, 'line'],
        [2, 'line'],
        [3, 'type'],
        [4, 'line'],
        [6, 'name'],
      ],
    );

    const venueId = await venueOf(tokens.alice);
    const unclosed = await importAndWait(tokens.alice, `${csvHeader}\n${showtimeRow(venueId, 1)}\n"open quote,${venueId}\n`);
    assert.equal(unclosed.state, 'failed');
    assert.match(unclosed.error, /quote/i);
    assert.equal(await eventsOf(venueId), 0);
  });
});

describe('partner isolation', () => {
  test("a partner cannot import into another organization's venue, nor see its imports", async () => {
    const aliceVenue = await venueOf(tokens.alice);
    const aliceJob = await importAndWait(tokens.alice, csvText(aliceVenue, 3, { valid: true }).replace(/show-/g, 'iso-'));
    assert.equal(aliceJob.state, 'imported');

    // By id: bob's rows naming alice's venue are rejected, nothing is created there.
    const byId = await importAndWait(tokens.bob, csvText(aliceVenue, 3, { valid: true }).replace(/show-/g, 'bob-'), { query: 'mode=batch' });
    assert.equal(byId.state, 'rejected');
    assert.deepEqual(
      (await rejectionsOf(byId.id, tokens.bob)).map((r) => [r.line, r.field, r.reason]),
      [2, 3, 4].map((line) => [line, 'venue_id', 'belongs to another organization']),
    );
    assert.equal(await eventsOf(aliceVenue), 3);

    // By key: keys are per organization, so alice's venue key means nothing to bob.
    await importAndWait(tokens.alice, JSON.stringify({ type: 'venue', key: 'alice-hall', ...smallVenue() }), { type: 'application/x-ndjson' });
    const byKey = await importAndWait(
      tokens.bob,
      JSON.stringify({
        type: 'event',
        key: 'e',
        venueKey: 'alice-hall',
        title: 'T',
        startsAt: '2032-01-01T19:00:00Z',
        endsAt: '2032-01-01T21:00:00Z',
        priceTiers: [{ category: 'floor', priceCents: 1, currency: 'EUR' }],
      }),
      { type: 'application/x-ndjson' },
    );
    assert.deepEqual(
      (await rejectionsOf(byKey.id, tokens.bob)).map((r) => [r.field, r.reason]),
      [['venueKey', 'no venue alice-hall in your organization']],
    );

    assert.equal((await catalog.call('GET', `/imports/${aliceJob.id}`, { token: tokens.bob })).status, 404);
    assert.equal((await catalog.call('GET', `/imports/${aliceJob.id}/rejections`, { token: tokens.bob })).status, 404);
    assert.equal((await catalog.call('GET', `/imports/${aliceJob.id}`, { token: tokens.admin })).status, 200);
    assert.equal((await upload(tokens.bob, csvText(aliceVenue, 3), { query: `importId=${aliceJob.id}` })).status, 409);
    assert.equal((await upload(tokens.buyer, csvText(aliceVenue, 3))).status, 403);
  });
});
