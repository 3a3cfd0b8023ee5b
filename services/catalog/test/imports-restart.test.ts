import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogDefinition } from '@ticketing/catalog/app';
import { catalogService } from '@ticketing/catalog/service';
import { startService } from '@ticketing/platform';
import { createTestDatabase, http } from '@ticketing/platform/testing';
import { smallVenue, spawnServiceChild, testPool, testServiceEnv, tokens, waitUntil } from '@ticketing/testing';
import { startOf } from './import-files.js';

const rows = 30_000;
/** A JSON Lines file naming its venue by key, so two organizations can import the very same bytes. */
function jsonlFile(): string {
  const tiers = [
    { category: 'vip', priceCents: 9000, currency: 'EUR' },
    { category: 'standard', priceCents: 5000, currency: 'EUR' },
    { category: 'floor', priceCents: 3000, currency: 'EUR' },
  ];
  const lines = [JSON.stringify({ type: 'venue', key: 'hall', ...smallVenue() })];
  for (let i = 0; i < rows; i++) {
    const startsAt = startOf(i).toISOString();
    const endsAt = new Date(startOf(i).getTime() + 7_200_000).toISOString();
    // Three broken rows, in three different batches.
    const broken = i === 1_234 || i === 15_000 || i === 29_999;
    lines.push(
      JSON.stringify({
        type: 'event',
        key: `show-${i}`,
        venueKey: 'hall',
        title: `Show ${i}`,
        startsAt,
        endsAt: broken ? startsAt : endsAt,
        priceTiers: tiers,
      }),
    );
  }
  return lines.join('\n') + '\n';
}

async function upload(url: string, token: string, file: string): Promise<string> {
  const res = await fetch(`${url}/imports?mode=batch&batchSize=500`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    body: file,
  });
  const body = (await res.json()) as { id: string };
  assert.equal(res.status, 202, JSON.stringify(body));
  return body.id;
}

test('an import whose process is SIGKILLed half-way is taken over and ends exactly as an uninterrupted one', async () => {
  const db = await createTestDatabase('catalog');
  const pool = testPool(db.url);
  const env = testServiceEnv(db.url, { LOG_LEVEL: 'error', IMPORT_LEASE_SECONDS: '2', IMPORT_POLL_INTERVAL_MS: '50' });
  const file = jsonlFile();
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  try {
    // Alice's import runs in a catalog process of its own, which is killed outright half-way.
    const child = await spawnServiceChild(catalogService, env);
    const interrupted = await upload(child.url, tokens.alice, file);
    const progress = await waitUntil(
      'half of the import committed',
      async () => {
        const res = await http(child.url, 'GET', `/imports/${interrupted}`, { token: tokens.alice });
        return res.body.rows.read >= rows / 3 && res.body;
      },
      { timeoutMs: 120_000, intervalMs: 50 },
    );
    assert.equal(progress.state, 'running');
    assert.equal(await child.kill('SIGKILL'), 'signal SIGKILL');
    const left = (await pool.query('SELECT state, rows_read, committed_line FROM catalog.imports WHERE id = $1', [interrupted])).rows[0];
    assert.equal(left.state, 'running');
    assert.ok(left.rows_read < rows && left.committed_line > 0, JSON.stringify(left));

    // Another replica takes the job over once its lease lapses; bob imports the same file there without interruption.
    service = await startService(catalogDefinition, env);
    const uninterrupted = await upload(service.url, tokens.bob, file);
    const done = async (id: string, token: string) =>
      waitUntil(
        `import ${id} finished`,
        async () => {
          const res = await http(service!.url, 'GET', `/imports/${id}`, { token });
          return !['queued', 'running'].includes(res.body.state) && res.body;
        },
        { timeoutMs: 180_000, intervalMs: 100 },
      );
    const [resumed, reference] = [await done(interrupted, tokens.alice), await done(uninterrupted, tokens.bob)];

    assert.equal(reference.state, 'partially_imported');
    // Batches of 500 lines (the venue is line 1): the broken rows leave out two batches of 500 and the last line alone.
    assert.deepEqual(reference.rows, { read: rows + 1, accepted: rows + 1 - 1001, unchanged: 0, rejected: 3, skipped: 998 });
    assert.equal(resumed.state, reference.state);
    assert.deepEqual(resumed.rows, reference.rows);
    assert.equal((await pool.query('SELECT attempts FROM catalog.imports WHERE id = $1', [interrupted])).rows[0].attempts, 2);
    const rejections = async (id: string, token: string) => (await http(service!.url, 'GET', `/imports/${id}/rejections`, { token })).body.items;
    assert.deepEqual(await rejections(interrupted, tokens.alice), await rejections(uninterrupted, tokens.bob));

    // The same events, each once, with the same tiers, in both organizations.
    const eventsOf = async (owner: string) =>
      (
        await pool.query(
          `SELECT e.external_key, e.title, e.starts_at, e.status, string_agg(p.category || '=' || p.price_cents, ';' ORDER BY p.category) AS tiers
             FROM catalog.events e JOIN catalog.price_tiers p ON p.event_id = e.id
            WHERE e.owner_id = $1 GROUP BY e.id ORDER BY e.external_key`,
          [owner],
        )
      ).rows;
    const alice = await eventsOf('org-alice');
    assert.equal(alice.length, rows - 1001);
    assert.deepEqual(alice, await eventsOf('org-bob'));
  } finally {
    await service?.stop();
    await pool.end();
    await db.drop();
  }
});
