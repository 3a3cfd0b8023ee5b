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

describe('seats added to a section after publishing', () => {
  const seatsOf = async (venueId: string, sectionId: string) =>
    (await catalog.call('GET', `/venues/${venueId}/seats?sectionId=${sectionId}`)).body.seats.map((s: any) => [s.row, s.number, s.x, s.y, s.category]);

  test('a new row goes below the section and an existing row continues after its last seat; audited', async () => {
    const venue = await createVenue();
    const stalls = venue.sections[0]!.id;
    const add = (body: unknown, token = tokens.alice) => catalog.call('POST', `/venues/${venue.id}/sections/${stalls}/seats`, { token, body });
    // Stalls: row A (vip) 1-4 at y 0, x 0..3; row B 1-5 at y 1, x -0.5..3.5.
    const added = await add({
      rows: [
        { row: 'C', seats: 3 },
        { row: 'A', seats: 2 },
      ],
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.equal(added.body.venueId, venue.id);
    assert.equal(added.body.sectionId, stalls);
    assert.deepEqual(
      added.body.seats.map((s: any) => [s.row, s.number, s.x, s.y, s.category]),
      [
        ['A', 5, 4, 0, 'vip'],
        ['A', 6, 5, 0, 'vip'],
        ['C', 1, -0.5, 2, 'standard'],
        ['C', 2, 0.5, 2, 'standard'],
        ['C', 3, 1.5, 2, 'standard'],
      ],
    );
    assert.equal((await seatsOf(venue.id, stalls)).length, 14);
    const after = await catalog.call('GET', `/venues/${venue.id}`);
    assert.deepEqual(
      after.body.sections.map((s: any) => [s.name, s.capacity]),
      [
        ['Stalls', 14],
        ['Floor', 100],
      ],
    );
    assert.equal(after.body.capacity, 114);

    // An explicit origin, firstNumber, offset and category.
    const placed = await add({ origin: { x: 10, y: 20 }, rows: [{ row: 'D', seats: 2, firstNumber: 7, offset: 0.5, category: 'vip' }] });
    assert.equal(placed.status, 200, JSON.stringify(placed.body));
    assert.deepEqual(
      placed.body.seats.map((s: any) => [s.row, s.number, s.x, s.y, s.category]),
      [
        ['D', 7, 10.5, 20, 'vip'],
        ['D', 8, 11.5, 20, 'vip'],
      ],
    );

    const changes = await catalog.call('GET', `/venues/${venue.id}/changes`, { token: tokens.alice });
    const audited = changes.body.items.filter((c: any) => c.type === 'venue.seats_added');
    assert.deepEqual(
      audited.map((c: any) => [c.actor, c.organizationId, c.entity, c.entityId, c.data.sectionId, c.data.seatIds]),
      [
        ['partner-alice', 'org-alice', 'venue', venue.id, stalls, added.body.seats.map((s: any) => s.id)],
        ['partner-alice', 'org-alice', 'venue', venue.id, stalls, placed.body.seats.map((s: any) => s.id)],
      ],
    );
    assert.ok(!Number.isNaN(Date.parse(audited[0].occurredAt)));
  });

  test('a seat the section has is 409 naming it and nothing is added; a closed seat opens again', async () => {
    const venue = await createVenue();
    const stalls = venue.sections[0]!.id;
    const add = (body: unknown) => catalog.call('POST', `/venues/${venue.id}/sections/${stalls}/seats`, { token: tokens.alice, body });
    const before = await catalog.call('GET', `/venues/${venue.id}/seats?sectionId=${stalls}`);
    const a4 = before.body.seats.find((s: any) => s.row === 'A' && s.number === 4);
    const b1 = before.body.seats.find((s: any) => s.row === 'B' && s.number === 1);

    const taken = await add({
      rows: [
        { row: 'A', seats: 3, firstNumber: 4 },
        { row: 'B', seats: 1, firstNumber: 1 },
        { row: 'E', seats: 2 },
      ],
    });
    assert.equal(taken.status, 409, JSON.stringify(taken.body));
    assert.equal(taken.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(taken.body.type, 'https://ticketing.dev/problems/seats-exist');
    assert.deepEqual(taken.body.seats, [
      { id: a4.id, row: 'A', number: 4 },
      { id: b1.id, row: 'B', number: 1 },
    ]);
    assert.match(taken.body.detail, /A 4, B 1/);
    assert.equal((await seatsOf(venue.id, stalls)).length, 9, 'nothing was added');

    const closed = await catalog.call('POST', `/venues/${venue.id}/seats/close`, { token: tokens.alice, body: { seatIds: [a4.id] } });
    assert.deepEqual(closed.body.closed, [a4.id]);
    const again = await add({ rows: [{ row: 'A', seats: 1, firstNumber: 4 }] });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.seats[0].id, a4.id, 'the closed seat itself opens again');
    assert.deepEqual(
      again.body.seats.map((s: any) => [s.row, s.number, s.x, s.y, s.category]),
      [['A', 4, 3, 0, 'vip']],
    );
  });

  test('bad input is 400; another organization 403; unknown sections 404; closed and general-admission sections 409', async () => {
    const venue = await createVenue();
    const [stalls, floor] = venue.sections.map((s) => s.id);
    const add = (sectionId: string, body: unknown, token: string | undefined = tokens.alice, venueId = venue.id) =>
      catalog.call('POST', `/venues/${venueId}/sections/${sectionId}/seats`, { token, body });
    const row = { rows: [{ row: 'Z', seats: 1 }] };

    const repeated = await add(stalls!, {
      rows: [
        { row: 'D', seats: 1 },
        { row: 'D', seats: 1, firstNumber: 2 },
      ],
    });
    assert.equal(repeated.status, 400);
    assert.deepEqual(
      repeated.body.errors.map((e: any) => e.field),
      ['body.rows.1.row'],
    );
    for (const body of [{}, { rows: [] }, { rows: [{ row: 'Z', seats: 0 }] }, { rows: [{ row: 'Z Z', seats: 1 }] }, { ...row, extra: 1 }]) {
      const bad = await add(stalls!, body);
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.equal(bad.body.type, 'https://ticketing.dev/problems/validation');
    }
    const tooMany = await add(stalls!, { rows: Array.from({ length: 40 }, (_, i) => ({ row: `N${i}`, seats: 500 })) });
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body.detail, /at most 20000/);
    assert.equal((await add(stalls!, row, 'not.a.token')).status, 401);
    assert.equal((await add(stalls!, row, tokens.buyer)).status, 403);
    const foreign = await add(stalls!, row, tokens.bob);
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.type, 'https://ticketing.dev/problems/forbidden');
    assert.equal((await add(stalls!, row, tokens.admin)).status, 200, 'admins may');

    assert.equal((await add('00000000-0000-4000-8000-000000000000', row)).status, 404);
    const other = await createVenue();
    assert.equal((await add(other.sections[0]!.id, row)).status, 404, 'a section of another venue');
    assert.equal((await add(stalls!, row, tokens.alice, '00000000-0000-4000-8000-000000000000')).status, 404);
    assert.equal((await add('not-a-uuid', row)).status, 400);

    const ga = await add(floor!, row);
    assert.equal(ga.status, 409);
    assert.equal(ga.body.type, 'https://ticketing.dev/problems/section-not-seated');
    const closing = await catalog.call('POST', `/venues/${other.id}/sections/close`, { token: tokens.alice, body: { sectionIds: [other.sections[0]!.id] } });
    assert.equal(closing.status, 200, JSON.stringify(closing.body));
    const closed = await add(other.sections[0]!.id, row, tokens.alice, other.id);
    assert.equal(closed.status, 409);
    assert.equal(closed.body.type, 'https://ticketing.dev/problems/section-closed');
    assert.equal((await seatsOf(venue.id, stalls!)).length, 10, 'only the admin added a seat');
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
