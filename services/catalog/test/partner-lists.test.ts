/** A partner's own venues and events (GET /partner/venues, /partner/events), for the organizer pages. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventBody, smallVenue, startCatalog, type TestCatalog, tokens } from '@ticketing/testing';

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
