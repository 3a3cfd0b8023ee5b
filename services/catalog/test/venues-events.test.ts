import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventBody, smallVenue, startCatalog, type TestCatalog, tokens } from '@ticketing/testing';

let catalog: TestCatalog;
before(async () => {
  catalog = await startCatalog();
});
after(async () => {
  await catalog?.close();
});

async function createVenue(token = tokens.alice, body: unknown = smallVenue()) {
  const res = await catalog.call('POST', '/venues', { token, body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string; sections: { id: string; name: string; kind: string; capacity: number; category: string }[] };
}

describe('venues', () => {
  test('a partner creates a venue; rows are expanded into seats with coordinates', async () => {
    const res = await catalog.call('POST', '/venues', { token: tokens.alice, body: smallVenue() });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), `/venues/${res.body.id}`);
    assert.equal(res.body.name, 'Blue Hall');
    assert.equal(res.body.timezone, 'Europe/Berlin');
    assert.equal(res.body.capacity, 109);
    assert.deepEqual(
      res.body.sections.map((s: any) => [s.name, s.kind, s.category, s.capacity]),
      [
        ['Stalls', 'seated', 'standard', 9],
        ['Floor', 'general_admission', 'floor', 100],
      ],
    );

    const venue = await catalog.call('GET', `/venues/${res.body.id}`);
    assert.equal(venue.status, 200);
    assert.deepEqual(venue.body, res.body);

    const seats = await catalog.call('GET', `/venues/${res.body.id}/seats`);
    assert.equal(seats.status, 200);
    assert.equal(seats.body.seats.length, 9);
    const [a1, , , a4, b1] = seats.body.seats;
    assert.deepEqual([a1.row, a1.number, a1.x, a1.y, a1.category], ['A', 1, 0, 0, 'vip']);
    assert.deepEqual([a4.row, a4.number, a4.x, a4.y], ['A', 4, 3, 0]);
    assert.deepEqual([b1.row, b1.number, b1.x, b1.y, b1.category], ['B', 1, -0.5, 1, 'standard']);

    const stalls = res.body.sections[0].id;
    const only = await catalog.call('GET', `/venues/${res.body.id}/seats?sectionId=${stalls}`);
    assert.equal(only.body.seats.length, 9);
    const floor = res.body.sections[1].id;
    assert.equal((await catalog.call('GET', `/venues/${res.body.id}/seats?sectionId=${floor}`)).body.seats.length, 0);
  });

  test('sections without an origin are stacked; firstNumber and origin are honoured', async () => {
    const venue = await createVenue(tokens.alice, {
      name: 'Layout',
      city: 'Paris',
      sections: [
        {
          name: 'Front',
          kind: 'seated',
          category: 'standard',
          rows: [
            { row: 'A', seats: 2 },
            { row: 'B', seats: 2 },
          ],
        },
        { name: 'Back', kind: 'seated', category: 'standard', rows: [{ row: 'C', seats: 2, firstNumber: 101 }] },
        { name: 'Side', kind: 'seated', category: 'standard', origin: { x: 50, y: 7 }, rows: [{ row: 'S', seats: 1 }] },
      ],
    });
    const { body } = await catalog.call('GET', `/venues/${venue.id}/seats`);
    const where = body.seats.map((s: any) => `${s.row}${s.number}@${s.x},${s.y}`);
    assert.deepEqual(where, ['A1@0,0', 'A2@1,0', 'B1@0,1', 'B2@1,1', 'C101@0,3', 'C102@1,3', 'S1@50,7']);
  });

  test('a large seat map (20,000 seats) fits in one request', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => ({ row: `R${i + 1}`, seats: 50 }));
    const res = await catalog.call('POST', '/venues', {
      token: tokens.alice,
      body: { name: 'Arena', city: 'Oslo', sections: [{ name: 'Bowl', kind: 'seated', category: 'standard', rows }] },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.capacity, 20_000);
    const event = await catalog.call('POST', '/events', {
      token: tokens.alice,
      body: eventBody(res.body.id, { priceTiers: [{ category: 'standard', priceCents: 2500, currency: 'NOK' }] }),
    });
    assert.equal(event.status, 201);
    const map = await catalog.call('GET', `/events/${event.body.id}/seat-map`);
    assert.equal(map.body.sections[0].seats.length, 20_000);
    assert.deepEqual(map.body.sections[0].seats.at(-1), { ...map.body.sections[0].seats.at(-1), row: 'R400', number: 50, x: 49, y: 399, priceCents: 2500 });
  });

  test('more than 20,000 seats, duplicate section names and row labels are rejected', async () => {
    const rows = Array.from({ length: 41 }, (_, i) => ({ row: `R${i + 1}`, seats: 500 }));
    const tooBig = await catalog.call('POST', '/venues', {
      token: tokens.alice,
      body: { name: 'Huge', city: 'Oslo', sections: [{ name: 'Bowl', kind: 'seated', category: 'standard', rows }] },
    });
    assert.equal(tooBig.status, 400);
    assert.match(tooBig.body.detail, /at most 20000/);

    const dup = await catalog.call('POST', '/venues', {
      token: tokens.alice,
      body: {
        name: 'Dup',
        city: 'Oslo',
        sections: [
          {
            name: 'X',
            kind: 'seated',
            category: 'standard',
            rows: [
              { row: 'A', seats: 1 },
              { row: 'A', seats: 2 },
            ],
          },
          { name: 'X', kind: 'general_admission', category: 'floor', capacity: 5 },
        ],
      },
    });
    assert.equal(dup.status, 400);
    assert.equal(dup.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.deepEqual(dup.body.errors.map((e: any) => e.field).sort(), ['body.sections.0.rows.1.row', 'body.sections.1.name']);

    const badZone = await catalog.call('POST', '/venues', { token: tokens.alice, body: smallVenue({ timezone: 'Mars/Olympus' }) });
    assert.equal(badZone.status, 400);
  });

  test('only partners and admins create venues', async () => {
    assert.equal((await catalog.call('POST', '/venues', { body: smallVenue() })).status, 401);
    assert.equal((await catalog.call('POST', '/venues', { body: smallVenue(), token: 'not.a.token' })).status, 401);
    const buyer = await catalog.call('POST', '/venues', { body: smallVenue(), token: tokens.buyer });
    assert.equal(buyer.status, 403);
    assert.equal(buyer.body.type, 'https://ticketing.dev/problems/forbidden');
    assert.equal((await catalog.call('POST', '/venues', { body: smallVenue(), token: tokens.admin })).status, 201);
  });

  test('unknown and malformed venue ids', async () => {
    const missing = await catalog.call('GET', '/venues/00000000-0000-4000-8000-000000000000');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal((await catalog.call('GET', '/venues/00000000-0000-4000-8000-000000000000/seats')).status, 404);
    assert.equal((await catalog.call('GET', '/venues/not-a-uuid')).status, 400);
    const venue = await createVenue();
    const otherSection = await catalog.call('GET', `/venues/${venue.id}/seats?sectionId=00000000-0000-4000-8000-000000000000`);
    assert.equal(otherSection.status, 404);
  });
});

describe('events', () => {
  test('a partner creates an event at its organization venue; buyers read it and its seat map', async () => {
    const venue = await createVenue();
    const created = await catalog.call('POST', '/events', { token: tokens.alice, body: eventBody(venue.id) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const event = created.body;
    assert.equal(created.headers.get('location'), `/events/${event.id}`);
    assert.equal(event.status, 'on_sale');
    assert.equal(event.startsAt, '2031-05-01T19:00:00.000Z');
    assert.deepEqual(event.venue, { id: venue.id, name: 'Blue Hall', city: 'Berlin', address: 'Hauptstr. 1', timezone: 'Europe/Berlin' });
    assert.deepEqual(
      event.priceTiers.map((t: any) => t.category),
      ['floor', 'standard', 'vip'],
    );

    const read = await catalog.call('GET', `/events/${event.id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, event);

    const map = await catalog.call('GET', `/events/${event.id}/seat-map`);
    assert.equal(map.status, 200);
    assert.equal(map.body.currency, 'EUR');
    const [stalls, floor] = map.body.sections;
    assert.equal(stalls.seats.length, 9);
    assert.deepEqual(
      stalls.seats.slice(3, 5).map((s: any) => [s.row, s.number, s.category, s.priceCents]),
      [
        ['A', 4, 'vip', 9000],
        ['B', 1, 'standard', 5000],
      ],
    );
    assert.deepEqual([floor.kind, floor.capacity, floor.priceCents, floor.seats], ['general_admission', 100, 3000, []]);

    const one = await catalog.call('GET', `/events/${event.id}/seat-map?sectionId=${floor.id}`);
    assert.deepEqual(
      one.body.sections.map((s: any) => s.name),
      ['Floor'],
    );
  });

  test('every category the venue uses needs a price tier, in one currency, and nothing more', async () => {
    const venue = await createVenue();
    const tiers = eventBody(venue.id).priceTiers;
    const missing = await catalog.call('POST', '/events', { token: tokens.alice, body: eventBody(venue.id, { priceTiers: tiers.slice(1) }) });
    assert.equal(missing.status, 422);
    assert.equal(missing.body.type, 'https://ticketing.dev/problems/missing-price-tier');
    assert.deepEqual(missing.body.categories, ['vip']);

    const extra = await catalog.call('POST', '/events', {
      token: tokens.alice,
      body: eventBody(venue.id, { priceTiers: [...tiers, { category: 'balcony', priceCents: 1, currency: 'EUR' }] }),
    });
    assert.equal(extra.status, 422);
    assert.deepEqual(extra.body.categories, ['balcony']);

    const mixed = await catalog.call('POST', '/events', {
      token: tokens.alice,
      body: eventBody(venue.id, { priceTiers: [...tiers.slice(1), { category: 'vip', priceCents: 1, currency: 'USD' }] }),
    });
    assert.equal(mixed.status, 422);
    assert.equal(mixed.body.type, 'https://ticketing.dev/problems/mixed-currencies');

    const duplicate = await catalog.call('POST', '/events', { token: tokens.alice, body: eventBody(venue.id, { priceTiers: [...tiers, tiers[0]] }) });
    assert.equal(duplicate.status, 400);
  });

  test('times must be ordered; the venue must exist', async () => {
    const venue = await createVenue();
    const backwards = await catalog.call('POST', '/events', {
      token: tokens.alice,
      body: eventBody(venue.id, { startsAt: '2031-05-01T19:00:00Z', endsAt: '2031-05-01T19:00:00Z' }),
    });
    assert.equal(backwards.status, 400);
    assert.equal(backwards.body.errors[0].field, 'body.endsAt');
    const noTz = await catalog.call('POST', '/events', { token: tokens.alice, body: eventBody(venue.id, { startsAt: '2031-05-01T19:00:00' }) });
    assert.equal(noTz.status, 400);
    const unknown = await catalog.call('POST', '/events', { token: tokens.alice, body: eventBody('00000000-0000-4000-8000-000000000000') });
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.type, 'https://ticketing.dev/problems/unknown-venue');
  });

  test('an event cannot start in the past: creating it there or moving it there is refused with 422', async () => {
    const venue = await createVenue();
    const past = { startsAt: '2020-05-01T19:00:00Z', endsAt: '2020-05-01T22:00:00Z' };
    const created = await catalog.call('POST', '/events', { token: tokens.alice, body: eventBody(venue.id, past) });
    assert.equal(created.status, 422, JSON.stringify(created.body));
    assert.equal(created.body.type, 'https://ticketing.dev/problems/starts-in-past');
    assert.match(created.headers.get('content-type') ?? '', /application\/problem\+json/);
    const event = (await catalog.call('POST', '/events', { token: tokens.alice, body: eventBody(venue.id) })).body;
    const moved = await catalog.call('PATCH', `/events/${event.id}`, { token: tokens.alice, body: past });
    assert.equal(moved.status, 422);
    assert.equal(moved.body.type, 'https://ticketing.dev/problems/starts-in-past');
    assert.equal((await catalog.call('GET', `/events/${event.id}`)).body.startsAt, event.startsAt, 'unchanged');
  });

  test('role and ownership checks on event writes', async () => {
    const venue = await createVenue(tokens.alice);
    const body = eventBody(venue.id);
    assert.equal((await catalog.call('POST', '/events', { body })).status, 401);
    assert.equal((await catalog.call('POST', '/events', { body, token: tokens.buyer })).status, 403);
    const bob = await catalog.call('POST', '/events', { body, token: tokens.bob });
    assert.equal(bob.status, 403);
    assert.match(bob.body.detail, /another organization/);

    // An admin may create events at anyone's venue; the venue's owner keeps managing them.
    const byAdmin = await catalog.call('POST', '/events', { body, token: tokens.admin });
    assert.equal(byAdmin.status, 201);
    const id = byAdmin.body.id;
    assert.equal((await catalog.call('PATCH', `/events/${id}`, { body: { title: 'x' } })).status, 401);
    assert.equal((await catalog.call('PATCH', `/events/${id}`, { body: { title: 'x' }, token: tokens.buyer })).status, 403);
    assert.equal((await catalog.call('PATCH', `/events/${id}`, { body: { title: 'x' }, token: tokens.bob })).status, 403);
    assert.equal((await catalog.call('PATCH', `/events/${id}`, { body: { title: 'Renamed' }, token: tokens.alice })).status, 200);
    assert.equal((await catalog.call('PATCH', `/events/${id}`, { body: { title: 'By admin' }, token: tokens.admin })).status, 200);
    assert.equal((await catalog.call('GET', `/events/${id}`)).body.title, 'By admin');
  });

  test('patching times and status follows the allowed transitions', async () => {
    const venue = await createVenue();
    const draft = (await catalog.call('POST', '/events', { token: tokens.alice, body: eventBody(venue.id, { status: 'draft' }) })).body;
    assert.equal(draft.status, 'draft');
    const url = `/events/${draft.id}`;

    // Drafts are hidden from the public, visible to the owner.
    assert.equal((await catalog.call('GET', url)).status, 404);
    assert.equal((await catalog.call('GET', `${url}/seat-map`)).status, 404);
    assert.equal((await catalog.call('GET', url, { token: tokens.bob })).status, 404);
    assert.equal((await catalog.call('GET', url, { token: tokens.alice })).status, 200);
    assert.equal((await catalog.call('GET', url, { token: 'garbage' })).status, 401);

    const moved = await catalog.call('PATCH', url, {
      token: tokens.alice,
      body: { startsAt: '2031-06-01T18:00:00Z', endsAt: '2031-06-01T21:30:00Z', description: 'Moved' },
    });
    assert.equal(moved.status, 200);
    assert.deepEqual(
      [moved.body.startsAt, moved.body.endsAt, moved.body.description, moved.body.title],
      ['2031-06-01T18:00:00.000Z', '2031-06-01T21:30:00.000Z', 'Moved', 'Night Concert'],
    );
    const badTimes = await catalog.call('PATCH', url, { token: tokens.alice, body: { endsAt: '2031-06-01T17:00:00Z' } });
    assert.equal(badTimes.status, 400);

    assert.equal((await catalog.call('PATCH', url, { token: tokens.alice, body: { status: 'on_sale' } })).body.status, 'on_sale');
    assert.equal((await catalog.call('GET', url)).status, 200);
    const back = await catalog.call('PATCH', url, { token: tokens.alice, body: { status: 'draft' } });
    assert.equal(back.status, 409);
    assert.equal(back.body.type, 'https://ticketing.dev/problems/invalid-status-transition');

    assert.equal((await catalog.call('PATCH', url, { token: tokens.alice, body: { status: 'cancelled' } })).body.status, 'cancelled');
    assert.equal((await catalog.call('PATCH', url, { token: tokens.alice, body: { status: 'cancelled' } })).status, 200);
    const afterCancel = await catalog.call('PATCH', url, { token: tokens.alice, body: { title: 'Revived' } });
    assert.equal(afterCancel.status, 409);
    assert.equal(afterCancel.body.type, 'https://ticketing.dev/problems/event-cancelled');

    assert.equal((await catalog.call('PATCH', url, { token: tokens.alice, body: {} })).status, 400);
    assert.equal((await catalog.call('PATCH', '/events/00000000-0000-4000-8000-000000000000', { token: tokens.alice, body: { title: 'x' } })).status, 404);
  });
});

describe('idempotency', () => {
  test('a retried write with the same key replays the first response; another body gets 422', async () => {
    const headers = { 'idempotency-key': 'venue-create-1' };
    // A name no other test gives a venue, so the count below sees every venue the retries could have made.
    const venue = smallVenue({ name: 'Retried Hall' });
    const first = await catalog.call('POST', '/venues', { token: tokens.alice, body: venue, headers });
    assert.equal(first.status, 201);
    const again = await catalog.call('POST', '/venues', { token: tokens.alice, body: venue, headers });
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(again.body, first.body);

    const other = await catalog.call('POST', '/venues', { token: tokens.alice, body: smallVenue({ name: 'Other' }), headers });
    assert.equal(other.status, 422);
    assert.equal(other.body.type, 'https://ticketing.dev/problems/idempotency-key-reused');

    // Keys are per principal: bob's identical key is a new request.
    const bob = await catalog.call('POST', '/venues', { token: tokens.bob, body: venue, headers });
    assert.equal(bob.status, 201);
    assert.notEqual(bob.body.id, first.body.id);

    // Exactly one venue was created by alice's retries.
    const { rows } = await catalog.service.context
      .requirePool()
      .query(`SELECT count(*)::int AS n FROM catalog.venues WHERE owner_id = 'org-alice' AND name = 'Retried Hall'`);
    assert.equal(rows[0].n, 1);
  });

  test('a rejected write is replayed as the same problem; patches are idempotent too', async () => {
    const venue = await createVenue();
    const headers = { 'idempotency-key': 'event-bad-1' };
    const body = eventBody(venue.id, { priceTiers: [{ category: 'vip', priceCents: 1, currency: 'EUR' }] });
    const first = await catalog.call('POST', '/events', { token: tokens.alice, body, headers });
    assert.equal(first.status, 422);
    const again = await catalog.call('POST', '/events', { token: tokens.alice, body, headers });
    assert.equal(again.status, 422);
    assert.equal(again.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.deepEqual(again.body, first.body);

    const event = (await catalog.call('POST', '/events', { token: tokens.alice, body: eventBody(venue.id) })).body;
    const patchHeaders = { 'idempotency-key': 'event-cancel-1' };
    const cancel = await catalog.call('PATCH', `/events/${event.id}`, { token: tokens.alice, body: { status: 'cancelled' }, headers: patchHeaders });
    const replay = await catalog.call('PATCH', `/events/${event.id}`, { token: tokens.alice, body: { status: 'cancelled' }, headers: patchHeaders });
    assert.equal(replay.status, 200);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(replay.body, cancel.body);

    const badKey = await catalog.call('POST', '/venues', { token: tokens.alice, body: smallVenue(), headers: { 'idempotency-key': 'x'.repeat(256) } });
    assert.equal(badKey.status, 400);
  });
});
