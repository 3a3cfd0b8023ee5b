/** A partner's own venues and events (GET /partner/venues, /partner/venues/{id}, /partner/events), for the organizer pages. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventBody, onEveryQuery, smallVenue, startCatalog, testToken, type TestCatalog, tokens } from '@ticketing/testing';

let catalog: TestCatalog;
before(async () => {
  catalog = await startCatalog();
});
after(() => catalog?.close());

test("a partner lists its organization's venues (with their categories) and events in every status; another organization sees none of them", async () => {
  const venue = await catalog.call('POST', '/venues', { token: tokens.alice, body: smallVenue({ name: 'Alice Hall' }) });
  assert.equal(venue.status, 201);
  const later = await catalog.call('POST', '/events', {
    token: tokens.alice,
    body: eventBody(venue.body.id, { title: 'Later', startsAt: '2032-01-01T19:00:00Z', endsAt: '2032-01-01T22:00:00Z' }),
  });
  const draft = await catalog.call('POST', '/events', { token: tokens.alice, body: eventBody(venue.body.id, { title: 'Draft', status: 'draft' }) });
  assert.equal(later.status, 201);
  assert.equal(draft.status, 201);
  const bobs = await catalog.call('POST', '/venues', { token: tokens.bob, body: smallVenue({ name: 'Bob Hall' }) });
  await catalog.call('POST', '/events', { token: tokens.bob, body: eventBody(bobs.body.id, { title: 'Bob Night' }) });

  const venues = await catalog.call('GET', '/partner/venues', { token: tokens.alice });
  assert.equal(venues.status, 200);
  assert.deepEqual(
    venues.body.items.map((v: any) => [v.name, v.categories]),
    [['Alice Hall', ['floor', 'standard', 'vip']]],
  );
  assert.equal(venues.body.items[0].capacity, 109);

  const events = await catalog.call('GET', '/partner/events', { token: tokens.alice });
  assert.equal(events.status, 200);
  assert.deepEqual(
    events.body.items.map((e: any) => [e.title, e.status]),
    [
      ['Draft', 'draft'],
      ['Later', 'on_sale'],
    ],
    'soonest first, drafts included',
  );
  const bobEvents = await catalog.call('GET', '/partner/events', { token: tokens.bob });
  assert.deepEqual(
    bobEvents.body.items.map((e: any) => e.title),
    ['Bob Night'],
  );
});

test('buyers and anonymous callers cannot list them', async () => {
  for (const path of ['/partner/venues', '/partner/events']) {
    assert.equal((await catalog.call('GET', path, { token: tokens.buyer })).status, 403, path);
    assert.equal((await catalog.call('GET', path)).status, 401, path);
  }
});

test("a partner pages through its events (only a venue's, only from an instant) and its venues; each is visited once", async () => {
  const carol = testToken('partner-carol', 'partner', { org: 'org-carol' });
  const [hall, club] = [
    await catalog.call('POST', '/venues', { token: carol, body: smallVenue({ name: 'Carol Hall' }) }),
    await catalog.call('POST', '/venues', { token: carol, body: smallVenue({ name: 'Carol Club' }) }),
  ];
  const startsAt = (day: number) => ({ startsAt: `2031-06-0${day}T19:00:00Z`, endsAt: `2031-06-0${day}T22:00:00Z` });
  for (const [venue, title, day] of [
    [hall, 'One', 1],
    [club, 'Two', 2],
    [hall, 'Three', 3],
    [hall, 'Four', 4],
    [club, 'Five', 5],
  ] as const) {
    assert.equal((await catalog.call('POST', '/events', { token: carol, body: eventBody(venue.body.id, { title, ...startsAt(day) }) })).status, 201);
  }
  const titles = async (query: string) => {
    const seen: string[][] = [];
    let cursor: string | null = null;
    do {
      const res = await catalog.call('GET', `/partner/events?${query}${cursor ? `&cursor=${cursor}` : ''}`, { token: carol });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      seen.push(res.body.items.map((e: any) => e.title));
      cursor = res.body.nextCursor;
    } while (cursor);
    return seen;
  };
  assert.deepEqual(await titles('limit=2'), [['One', 'Two'], ['Three', 'Four'], ['Five']]);
  assert.deepEqual(await titles(`limit=2&venueId=${hall.body.id}`), [['One', 'Three'], ['Four']]);
  assert.deepEqual(await titles(`venueId=${hall.body.id}&endsAfter=2031-06-03T21:00:00Z`), [['Three', 'Four']], 'a running event is listed');
  assert.deepEqual(await titles(`venueId=${club.body.id}&endsAfter=2031-06-05T22:00:00Z`), [[]], 'one that has just ended is not');

  const first = await catalog.call('GET', '/partner/venues?limit=1', { token: carol });
  assert.deepEqual([first.body.items.map((v: any) => v.name), typeof first.body.nextCursor], [['Carol Club'], 'string'], 'newest first');
  const second = await catalog.call('GET', `/partner/venues?limit=1&cursor=${first.body.nextCursor}`, { token: carol });
  assert.deepEqual([second.body.items.map((v: any) => v.name), second.body.nextCursor], [['Carol Hall'], null]);

  for (const bad of ['cursor=nonsense', 'limit=0', 'limit=201', 'venueId=nope', 'endsAfter=tomorrow']) {
    const res = await catalog.call('GET', `/partner/events?${bad}`, { token: carol });
    assert.equal(res.status, 400, bad);
    assert.match(res.headers.get('content-type') ?? '', /problem\+json/, bad);
  }
});

test("a partner reads one of its venues with its categories; another organization's answers 404 as a venue that does not exist", async () => {
  const venue = await catalog.call('POST', '/venues', { token: tokens.alice, body: smallVenue({ name: 'Alice Arena' }) });
  const own = await catalog.call('GET', `/partner/venues/${venue.body.id}`, { token: tokens.alice });
  assert.equal(own.status, 200, JSON.stringify(own.body));
  assert.deepEqual([own.body.name, own.body.categories, own.body.capacity], ['Alice Arena', ['floor', 'standard', 'vip'], 109]);

  const others = await catalog.call('GET', `/partner/venues/${venue.body.id}`, { token: tokens.bob });
  const missing = await catalog.call('GET', '/partner/venues/00000000-0000-4000-8000-000000000000', { token: tokens.alice });
  assert.deepEqual([others.status, missing.status], [404, 404]);
  assert.equal(others.body.type, missing.body.type);
  assert.equal((await catalog.call('GET', `/partner/venues/${venue.body.id}`, { token: tokens.buyer })).status, 403);
  assert.equal((await catalog.call('GET', `/partner/venues/${venue.body.id}`)).status, 401);
});

test('a page of venues costs the same few statements however many venues it holds', async () => {
  const dana = testToken('partner-dana', 'partner', { org: 'org-dana' });
  const statementsFor = async (limit: number) => {
    let count = 0;
    const stop = onEveryQuery(() => count++);
    const res = await catalog.call('GET', `/partner/venues?limit=${limit}`, { token: dana });
    stop();
    assert.equal(res.status, 200);
    return { count, venues: res.body.items.length };
  };
  for (let i = 0; i < 6; i++) assert.equal((await catalog.call('POST', '/venues', { token: dana, body: smallVenue({ name: `Dana ${i}` }) })).status, 201);
  const one = await statementsFor(1);
  const six = await statementsFor(6);
  assert.deepEqual([one.venues, six.venues], [1, 6]);
  assert.ok(one.count > 0, 'the catalog runs in this process, its statements are counted');
  assert.equal(six.count, one.count, `1 venue: ${one.count} statements, 6 venues: ${six.count}`);
});
