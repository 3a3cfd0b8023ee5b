import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventBody, smallVenue, startCatalog, type TestCatalog, tokens } from '@ticketing/testing';

let catalog: TestCatalog;
const ids: Record<string, string> = {};

/** Fixture: two Berlin venues and one in Paris, events across May 2031. */
before(async () => {
  catalog = await startCatalog({ SEARCH_PAGE_SIZE_MAX: '10' });
  const venue = async (name: string, city: string) =>
    (await catalog.call('POST', '/venues', { token: tokens.alice, body: smallVenue({ name, city }) })).body.id as string;
  const berlin = await venue('Blue Hall', 'Berlin');
  const philharmonie = await venue('Philharmonie', 'berlin');
  const paris = await venue('Olympia', 'Paris');
  const event = async (key: string, venueId: string, title: string, startsAt: string, extra: Record<string, unknown> = {}) => {
    const end = new Date(Date.parse(startsAt) + 3 * 3600_000).toISOString();
    const res = await catalog.call('POST', '/events', { token: tokens.alice, body: eventBody(venueId, { title, startsAt, endsAt: end, ...extra }) });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    ids[key] = res.body.id;
  };
  await event('jazz', berlin, 'Jazz Night', '2031-05-02T19:00:00Z', { description: 'Smooth saxophone quartet' });
  await event('rock', berlin, 'Rock Festival', '2031-05-10T18:00:00Z');
  await event('bach', philharmonie, 'Bach Cello Suites', '2031-05-05T20:00:00Z');
  await event('opera', paris, 'Carmen', '2031-05-03T19:30:00Z', { description: 'Opera by Bizet' });
  await event('draft', berlin, 'Secret Jazz Show', '2031-05-04T19:00:00Z', { status: 'draft' });
  await event('cancelled', berlin, 'Cancelled Jazz', '2031-05-06T19:00:00Z');
  await catalog.call('PATCH', `/events/${ids.cancelled}`, { token: tokens.alice, body: { status: 'cancelled' } });
});
after(async () => {
  await catalog?.close();
});

const search = async (query: string) => {
  const res = await catalog.call('GET', `/events${query}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { items: { id: string; title: string }[]; nextCursor: string | null };
};
const titles = async (query: string) => (await search(query)).items.map((e) => e.title);

test('lists events on sale ordered by start time; drafts never, cancelled on request', async () => {
  assert.deepEqual(await titles('?limit=10'), ['Jazz Night', 'Carmen', 'Bach Cello Suites', 'Rock Festival']);
  assert.deepEqual(await titles('?status=cancelled'), ['Cancelled Jazz']);
  assert.equal((await catalog.call('GET', '/events?status=draft')).status, 400);
});

test('by city, case-insensitively', async () => {
  assert.deepEqual(await titles('?city=BERLIN'), ['Jazz Night', 'Bach Cello Suites', 'Rock Festival']);
  assert.deepEqual(await titles('?city=paris'), ['Carmen']);
  assert.deepEqual(await titles('?city=Rome'), []);
});

test('by date range: from inclusive, to exclusive', async () => {
  assert.deepEqual(await titles('?from=2031-05-03T19:30:00Z&to=2031-05-10T18:00:00Z'), ['Carmen', 'Bach Cello Suites']);
  assert.deepEqual(await titles('?from=2031-05-03T21:30:00%2B02:00'), ['Carmen', 'Bach Cello Suites', 'Rock Festival']);
  assert.deepEqual(await titles('?city=berlin&from=2031-05-04T00:00:00Z'), ['Bach Cello Suites', 'Rock Festival']);
  assert.equal((await catalog.call('GET', '/events?from=yesterday')).status, 400);
});

test('by free text over title, description and venue name', async () => {
  assert.deepEqual(await titles('?q=jazz'), ['Jazz Night']);
  assert.deepEqual(await titles('?q=saxophone'), ['Jazz Night']);
  assert.deepEqual(await titles('?q=bizet'), ['Carmen']);
  assert.deepEqual(await titles('?q=philharmonie'), ['Bach Cello Suites']);
  assert.deepEqual(await titles('?q=jazz%20or%20rock'), ['Jazz Night', 'Rock Festival']);
  assert.deepEqual(await titles('?q=%22cello%20suites%22&city=Berlin'), ['Bach Cello Suites']);
  assert.deepEqual(await titles('?q=nothing-like-this'), []);
  assert.deepEqual(await titles('?q=!!!'), []);
});

test('results carry the venue summary and price tiers', async () => {
  const [first] = (await search('?q=carmen')).items as any[];
  assert.equal(first.venue.name, 'Olympia');
  assert.equal(first.venue.city, 'Paris');
  assert.equal(first.priceTiers.length, 3);
});

test('pagination is stable across pages even when many events start at the same time', async () => {
  const local = await startCatalog({ SEARCH_PAGE_SIZE_MAX: '10' });
  try {
    const venueId = (await local.call('POST', '/venues', { token: tokens.alice, body: smallVenue({ city: 'Tiesburg' }) })).body.id;
    // 23 events on 3 start times (8 + 8 + 7 share a start): ties everywhere.
    const created: string[] = [];
    for (let i = 0; i < 23; i++) {
      const startsAt = `2031-07-0${1 + (i % 3)}T20:00:00Z`;
      const res = await local.call('POST', '/events', {
        token: tokens.alice,
        body: eventBody(venueId, { title: `Show ${i}`, startsAt, endsAt: `2031-07-0${1 + (i % 3)}T23:00:00Z` }),
      });
      created.push(res.body.id);
    }
    const seen: { id: string; startsAt: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: any = await local.call('GET', `/events?city=tiesburg&limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200);
      assert.ok(res.body.items.length <= 5);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    assert.equal(pages, 5);
    assert.equal(seen.length, 23);
    assert.equal(new Set(seen.map((e) => e.id)).size, 23, 'no duplicates');
    assert.deepEqual(new Set(seen.map((e) => e.id)), new Set(created), 'no gaps');
    const sorted = [...seen].sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.id.localeCompare(b.id));
    assert.deepEqual(seen, sorted, 'ordered by (startsAt, id)');

    // An exact multiple of the page size ends with nextCursor null, not an empty page.
    const page = await local.call('GET', '/events?city=tiesburg&from=2031-07-03T00:00:00Z&limit=7');
    assert.equal(page.body.items.length, 7);
    assert.equal(page.body.nextCursor, null);

    // A cursor stays valid while events are added before it: nothing already seen comes back.
    const first = await local.call('GET', '/events?city=tiesburg&limit=5');
    await local.call('POST', '/events', {
      token: tokens.alice,
      body: eventBody(venueId, { title: 'Early', startsAt: '2031-06-30T20:00:00Z', endsAt: '2031-06-30T23:00:00Z' }),
    });
    const second = await local.call('GET', `/events?city=tiesburg&limit=5&cursor=${first.body.nextCursor}`);
    const firstIds = new Set(first.body.items.map((e: any) => e.id));
    assert.equal(second.body.items.length, 5);
    assert.ok(second.body.items.every((e: any) => !firstIds.has(e.id) && e.title !== 'Early'));
  } finally {
    await local.close();
  }
});

test('limit bounds and malformed cursors are 400 problems', async () => {
  for (const query of [
    '?limit=0',
    '?limit=11',
    '?limit=-1',
    '?limit=1e9',
    '?limit=abc',
    '?limit=2&limit=3',
    '?cursor=%%%',
    '?cursor=bm9wZQ',
    '?cursor=',
    '?unknown=1',
  ]) {
    const res = await catalog.call('GET', `/events${query}`);
    assert.equal(res.status, 400, query);
    assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8', query);
  }
  const forged = Buffer.from('2031-13-45T99:00:00.000000Z|00000000-0000-4000-8000-000000000000').toString('base64url');
  assert.equal((await catalog.call('GET', `/events?cursor=${forged}`)).status, 400);
  assert.equal((await search('?limit=10')).items.length, 4);
});
