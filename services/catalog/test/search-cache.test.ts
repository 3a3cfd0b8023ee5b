import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { catalogDefinition } from '@ticketing/catalog/app';
import { startService, type RunningService } from '@ticketing/platform';
import { createTestDatabase, eventBody, http, smallVenue, testPool, testServiceEnv, tokens, waitUntil } from '@ticketing/testing';
import type pg from 'pg';

describe('search answers cached per process, dropped on every catalog write', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  let a: RunningService;
  let b: RunningService;
  let eventId: string;
  before(async () => {
    db = await createTestDatabase('searchcache');
    // Two replicas of the catalog on one database; the safety-net TTL is out of the way.
    a = await startService(catalogDefinition, testServiceEnv(db.url, { SEARCH_CACHE_MS: '600000' }));
    b = await startService(catalogDefinition, testServiceEnv(db.url, { SEARCH_CACHE_MS: '600000' }));
    pool = testPool(db.url);
    const venue = await http(a.url, 'POST', '/venues', { token: tokens.alice, body: smallVenue({ city: 'Ghent' }) });
    const event = await http(a.url, 'POST', '/events', {
      token: tokens.alice,
      body: eventBody(venue.body.id, { title: 'First Title', startsAt: '2031-06-01T19:00:00Z', endsAt: '2031-06-01T22:00:00Z' }),
    });
    assert.equal(event.status, 201, JSON.stringify(event.body));
    eventId = event.body.id;
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await pool?.end();
    await db?.drop();
  });

  const titles = async (service: RunningService) => {
    const res = await http(service.url, 'GET', '/events?city=ghent');
    assert.equal(res.status, 200);
    return (res.body.items as { title: string }[]).map((e) => e.title);
  };

  test('an answer is served from the cache: a change the triggers do not announce stays unseen', async () => {
    assert.deepEqual(await titles(b), ['First Title']);
    await pool.query('ALTER TABLE catalog.events DISABLE TRIGGER events_search_changed');
    try {
      await pool.query(`UPDATE catalog.events SET title = 'Unannounced' WHERE id = $1`, [eventId]);
      assert.deepEqual(await titles(b), ['First Title'], 'cached');
    } finally {
      await pool.query('ALTER TABLE catalog.events ENABLE TRIGGER events_search_changed');
    }
    await pool.query(`UPDATE catalog.events SET title = 'First Title' WHERE id = $1`, [eventId]);
    await waitUntil('the write reaches the other replica', async () => (await titles(b))[0] === 'First Title', { timeoutMs: 5_000, intervalMs: 20 });
  });

  test('a write through one replica: it sees it at once, the other within moments; a write in SQL reaches both', async () => {
    assert.deepEqual(await titles(a), ['First Title']);
    assert.deepEqual(await titles(b), ['First Title']);
    const patched = await http(a.url, 'PATCH', `/events/${eventId}`, { token: tokens.alice, body: { title: 'Second Title' } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(await titles(a), ['Second Title'], 'the writing replica answers its writer with the write');
    await waitUntil('the other replica hears of the write', async () => (await titles(b))[0] === 'Second Title', { timeoutMs: 5_000, intervalMs: 20 });

    await pool.query(`UPDATE catalog.venues SET city = 'Bruges' WHERE id = (SELECT venue_id FROM catalog.events WHERE id = $1)`, [eventId]);
    for (const replica of [a, b])
      await waitUntil('a venue change reaches the replica', async () => (await titles(replica)).length === 0, { timeoutMs: 5_000, intervalMs: 20 });
  });

  test('ETag: If-None-Match answers 304 with no body until a write changes the answer', async () => {
    const first = await fetch(`${a.url}/events?city=bruges`);
    const etag = first.headers.get('etag')!;
    assert.equal(first.headers.get('cache-control'), 'public, no-cache');
    const again = await fetch(`${a.url}/events?city=bruges`, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    assert.equal((await again.arrayBuffer()).byteLength, 0);
    await http(a.url, 'PATCH', `/events/${eventId}`, { token: tokens.alice, body: { title: 'Third Title' } });
    const changed = await fetch(`${a.url}/events?city=bruges`, { headers: { 'If-None-Match': etag } });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('etag'), etag);
  });
});
