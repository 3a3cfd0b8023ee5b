import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bookingOpenApi, buildBookingOpenApi } from '../src/openapi.js';
import { assertInventoryInvariants, type BookingHarness, http, type SeededEvent, seedEvent, startBookingHarness, testToken } from '@ticketing/testing';

describe('booking API contract', () => {
  let h: BookingHarness;
  let event: SeededEvent;
  const buyer = testToken('api-buyer', 'buyer');
  before(async () => {
    h = await startBookingHarness({ PAYMENT_TIMEOUT_MS: '1500' });
    event = await seedEvent(h.pool, { seats: 10 });
  });
  after(async () => h.close());

  test('the served OpenAPI document and the registered routes describe the same operations', async () => {
    const served = await http(h.url, 'GET', '/openapi.json');
    assert.equal(served.status, 200);
    assert.equal(served.body.openapi, '3.1.0');
    const doc = bookingOpenApi(h.service.context.config);
    assert.deepEqual(served.body, JSON.parse(JSON.stringify(doc)));
    assert.deepEqual(h.service.context.api.unregisteredOperations(), [], 'every documented operation has a route');
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`))
      .sort();
    assert.deepEqual(h.service.context.api.registered().sort(), documented, 'every route is documented');
  });

  test('the document states the configured Idempotency-Key retention, not a fixed one', () => {
    const keyed = (ttlHours: number) =>
      Object.values(buildBookingOpenApi({ maxPlaces: 10, idempotencyKeyTtlHours: ttlHours }).paths)
        .flatMap((ops) => Object.values(ops))
        .flatMap((op) => op.parameters ?? [])
        .filter((p) => p.name === 'Idempotency-Key');
    assert.ok(keyed(24).length >= 4, 'every write documents the header');
    for (const p of keyed(48)) assert.match(p.description ?? '', /for 48 h;/);
    for (const p of keyed(24)) assert.match(p.description ?? '', /for 24 h;/);
  });

  test('the document lists every answer the platform gives: 401/403, 413/415, 409/422 with Idempotency-Key, 503 with Retry-After', () => {
    const doc = bookingOpenApi(h.service.context.config);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const label = `${method} ${path}`;
        const expected = ['400', '503'];
        if (op.security?.length) expected.push('401', '403');
        if (op.requestBody) expected.push('413', '415');
        if (op.parameters?.some((p) => p.name === 'Idempotency-Key')) {
          expected.push('409', '422');
          for (const status of ['409', '422'])
            assert.match((op.responses[status] as { description: string }).description, /Idempotency-Key/, `${label} ${status}`);
        }
        for (const status of expected) assert.ok(op.responses[status], `${label} documents ${status}`);
        assert.ok((op.responses['503'] as { headers?: Record<string, unknown> }).headers?.['Retry-After'], `${label} 503 has Retry-After`);
      }
    }
  });

  test('hold size: the documented bound is HOLD_MAX_PLACES, which validation enforces', async () => {
    const served = (await http(h.url, 'GET', '/openapi.json')).body;
    const [seats, ga] = served.components.schemas.HoldRequest.oneOf;
    assert.equal(seats.properties.seatIds.maxItems, h.service.context.config.integer('HOLD_MAX_PLACES'));
    assert.equal(seats.properties.seatIds.maxItems, 10);
    assert.equal(ga.properties.generalAdmission.properties.quantity.maximum, 10);
    const tooMany = await http(h.url, 'POST', '/holds', {
      token: buyer,
      body: { eventId: event.eventId, seatIds: Array.from({ length: 11 }, () => crypto.randomUUID()) },
    });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.type, 'https://ticketing.dev/problems/validation');
    const manyPlaces = await http(h.url, 'POST', '/holds', {
      token: buyer,
      body: { eventId: event.eventId, generalAdmission: { sectionId: event.gaSectionId, quantity: 11 } },
    });
    assert.equal(manyPlaces.status, 400);
    assert.equal(manyPlaces.body.type, 'https://ticketing.dev/problems/validation');
  });

  describe('Idempotency-Key', () => {
    test('same key and body replays the first response without a second hold', async () => {
      const body = { eventId: event.eventId, seatIds: [event.seatIds[0]] };
      const headers = { 'idempotency-key': 'key-replay-1' };
      const first = await http(h.url, 'POST', '/holds', { token: buyer, body, headers });
      const second = await http(h.url, 'POST', '/holds', { token: buyer, body, headers });
      assert.equal(first.status, 201);
      assert.equal(second.status, 201);
      assert.deepEqual(second.body, first.body);
      assert.equal(second.headers.get('idempotent-replayed'), 'true');
      const holds = await h.pool.query('SELECT count(*)::int AS n FROM booking.holds WHERE event_id = $1', [event.eventId]);
      assert.equal(holds.rows[0].n, 1);
    });

    test('same key with another body is refused with 422', async () => {
      const headers = { 'idempotency-key': 'key-reuse-1' };
      await http(h.url, 'POST', '/holds', { token: buyer, body: { eventId: event.eventId, seatIds: [event.seatIds[1]] }, headers });
      const other = await http(h.url, 'POST', '/holds', { token: buyer, body: { eventId: event.eventId, seatIds: [event.seatIds[2]] }, headers });
      assert.equal(other.status, 422);
      assert.match(other.body.type, /idempotency-key-reused/);
    });

    test('a key left in flight by a killed attempt blocks retries no longer than a request can last', async () => {
      // Checkout claims its key before calling the provider: that claim is what a killed attempt leaves behind.
      const hold = await http(h.url, 'POST', '/holds', { token: buyer, body: { eventId: event.eventId, seatIds: [event.seatIds[9]] } });
      const headers = { 'idempotency-key': 'key-lock-bound-1' };
      const running = http(h.url, 'POST', `/holds/${hold.body.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_timeout' }, headers });
      await new Promise((r) => setTimeout(r, 150));
      const { rows } = await h.pool.query(
        `SELECT status, locked_until - now() <= interval '36 seconds' AS bounded FROM booking.idempotency_keys WHERE key = $1`,
        [headers['idempotency-key']],
      );
      assert.deepEqual(rows[0], { status: 'in_flight', bounded: true }, 'the 30 s request time limit plus a margin, not a minute');
      assert.equal((await running).status, 504);
    });

    test('a write done in one transaction leaves no claim behind: its key is recorded with its answer, in the same transaction', async () => {
      const headers = { 'idempotency-key': 'key-one-commit-1' };
      const held = await http(h.url, 'POST', '/holds', { token: buyer, body: { eventId: event.eventId, seatIds: [event.seatIds[8]] }, headers });
      assert.equal(held.status, 201);
      const { rows } = await h.pool.query(
        `SELECT k.status, k.response_status, (k.response_body->>'id') = $2::text AS answer, k.created_at = h.created_at AS same_transaction
           FROM booking.idempotency_keys k, booking.holds h WHERE k.key = $1 AND h.id = $2::uuid`,
        [headers['idempotency-key'], held.body.id],
      );
      // now() is the transaction's start: equal only when the key was written by the hold's own transaction, not claimed before it.
      assert.deepEqual(rows[0], { status: 'done', response_status: 201, answer: true, same_transaction: true });
    });

    test('same key still in flight gets 409', async () => {
      const hold = await http(h.url, 'POST', '/holds', { token: buyer, body: { eventId: event.eventId, seatIds: [event.seatIds[3]] } });
      const headers = { 'idempotency-key': 'key-in-flight-1' };
      const body = { paymentMethod: 'pm_card_timeout' };
      // The provider takes PAYMENT_TIMEOUT_MS to give up: the first request is in flight meanwhile.
      const first = http(h.url, 'POST', `/holds/${hold.body.id}/checkout`, { token: buyer, body, headers });
      await new Promise((r) => setTimeout(r, 150));
      const retry = await http(h.url, 'POST', `/holds/${hold.body.id}/checkout`, { token: buyer, body, headers });
      assert.equal(retry.status, 409);
      assert.match(retry.body.type, /idempotency-key-in-flight/);
      assert.equal((await first).status, 504);
    });

    test('a checkout claims its key in its first transaction and records its answer in the one that settles it', async () => {
      const held = await http(h.url, 'POST', '/holds', { token: buyer, body: { eventId: event.eventId, seatIds: [event.seatIds[7]] } });
      const headers = { 'idempotency-key': 'key-checkout-commits-1' };
      const paid = await http(h.url, 'POST', `/holds/${held.body.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' }, headers });
      assert.equal(paid.status, 201, JSON.stringify(paid.body));
      const { rows } = await h.pool.query(
        `SELECT k.status, k.response_status, (k.response_body->>'reference') = b.reference AS answer, k.xmin = b.xmin AS with_the_sale
           FROM booking.idempotency_keys k, booking.bookings b WHERE k.key = $1 AND b.hold_id = $2::uuid`,
        [headers['idempotency-key'], held.body.id],
      );
      // xmin: the transaction that wrote the row's version; the same as the booking's only when the sale itself recorded the answer.
      assert.deepEqual(rows[0], { status: 'done', response_status: 201, answer: true, with_the_sale: true });
      const again = await http(h.url, 'POST', `/holds/${held.body.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' }, headers });
      assert.equal(again.status, 201);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(again.body, paid.body);
      const otherBody = await http(h.url, 'POST', `/holds/${held.body.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_declined' }, headers });
      assert.equal(otherBody.status, 422);
    });

    test('racing retries with one key make exactly one hold, and every one of them gets its answer', async () => {
      const concurrent = await Promise.all(
        [1, 2, 3, 4].map(() =>
          http(h.url, 'POST', '/holds', {
            token: buyer,
            body: { eventId: event.eventId, seatIds: [event.seatIds[4]] },
            headers: { 'idempotency-key': 'key-race-1' },
          }),
        ),
      );
      assert.deepEqual(
        concurrent.map((r) => r.status),
        [201, 201, 201, 201],
        JSON.stringify(concurrent.map((r) => r.body)),
      );
      for (const r of concurrent) assert.deepEqual(r.body, concurrent[0]!.body);
      assert.equal(concurrent.filter((r) => r.headers.get('idempotent-replayed') === 'true').length, 3, 'one made it, three replayed it');
      const holds = await h.pool.query(`SELECT count(*)::int AS n FROM booking.hold_seats WHERE seat_id = $1`, [event.seatIds[4]]);
      assert.equal(holds.rows[0].n, 1, 'one hold, however many retries raced');
    });

    test('racing general-admission holds with one key take their places once', async () => {
      const concurrent = await Promise.all(
        [1, 2, 3, 4].map(() =>
          http(h.url, 'POST', '/holds', {
            token: buyer,
            body: { eventId: event.eventId, generalAdmission: { sectionId: event.gaSectionId, quantity: 2 } },
            headers: { 'idempotency-key': 'key-race-ga-1' },
          }),
        ),
      );
      assert.deepEqual(
        concurrent.map((r) => r.status),
        [201, 201, 201, 201],
      );
      for (const r of concurrent) assert.equal(r.body.id, concurrent[0]!.body.id);
      const holds = await h.pool.query(`SELECT count(*)::int AS n FROM booking.holds WHERE event_id = $1 AND ga_section_id IS NOT NULL`, [event.eventId]);
      assert.equal(holds.rows[0].n, 1, 'the twins that also claimed places were rolled back');
      const inventory = await assertInventoryInvariants(h.pool, event.eventId);
      assert.equal(
        inventory.ga.reduce((sum, g) => sum + g.held, 0),
        2,
      );
    });

    test('a 4xx outcome is stored and replayed for the same key', async () => {
      const headers = { 'idempotency-key': 'key-conflict-1' };
      const body = { eventId: event.eventId, seatIds: [event.seatIds[4]] };
      const first = await http(h.url, 'POST', '/holds', { token: testToken('late-buyer', 'buyer'), body, headers });
      const again = await http(h.url, 'POST', '/holds', { token: testToken('late-buyer', 'buyer'), body, headers });
      assert.equal(first.status, 409);
      assert.equal(again.status, 409);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
    });

    test('keys are scoped per buyer and kept 24 hours', async () => {
      const headers = { 'idempotency-key': 'shared-key' };
      const a = await http(h.url, 'POST', '/holds', {
        token: testToken('buyer-a', 'buyer'),
        body: { eventId: event.eventId, seatIds: [event.seatIds[5]] },
        headers,
      });
      const b = await http(h.url, 'POST', '/holds', {
        token: testToken('buyer-b', 'buyer'),
        body: { eventId: event.eventId, seatIds: [event.seatIds[6]] },
        headers,
      });
      assert.equal(a.status, 201);
      assert.equal(b.status, 201);
      const ttl = await h.pool.query(
        `SELECT round(extract(epoch FROM expires_at - created_at) / 3600)::int AS hours FROM booking.idempotency_keys WHERE key = 'shared-key' LIMIT 1`,
      );
      assert.equal(ttl.rows[0].hours, 24);
    });
  });

  describe('bad input gets a 4xx problem, never a 500', () => {
    // Every bad request runs as this buyer, whom no other test uses, so "nothing written" can see its rows.
    const badInputBuyer = testToken('bad-input-buyer', 'buyer');
    /** Rows of every table a request could write, across all buyers. */
    const writtenRows = async () =>
      (
        await h.pool.query(
          `SELECT (SELECT count(*) FROM booking.holds)::int AS holds, (SELECT count(*) FROM booking.hold_seats)::int AS "holdSeats",
                  (SELECT count(*) FROM booking.payments)::int AS payments, (SELECT count(*) FROM booking.bookings)::int AS bookings,
                  (SELECT count(*) FROM booking.outbox)::int AS outbox, (SELECT count(*) FROM booking.idempotency_keys)::int AS "idempotencyKeys"`,
        )
      ).rows[0];
    let writtenBefore: unknown;
    before(async () => {
      writtenBefore = await writtenRows();
    });
    const cases: {
      name: string;
      method: string;
      path: string;
      raw?: string;
      body?: unknown;
      headers?: Record<string, string>;
      token?: string | null;
      status: number;
    }[] = [
      { name: 'malformed JSON', method: 'POST', path: '/holds', raw: '{"eventId": ', status: 400 },
      { name: 'JSON that is not an object', method: 'POST', path: '/holds', raw: '"hello"', status: 400 },
      { name: 'wrong types', method: 'POST', path: '/holds', body: { eventId: 42, seatIds: 'A1' }, status: 400 },
      {
        name: 'unknown fields',
        method: 'POST',
        path: '/holds',
        body: { eventId: crypto.randomUUID(), seatIds: [crypto.randomUUID()], vip: true },
        status: 400,
      },
      {
        name: 'both seats and GA',
        method: 'POST',
        path: '/holds',
        body: { eventId: crypto.randomUUID(), seatIds: [crypto.randomUUID()], generalAdmission: { sectionId: crypto.randomUUID(), quantity: 1 } },
        status: 400,
      },
      {
        name: 'negative quantity',
        method: 'POST',
        path: '/holds',
        body: { eventId: crypto.randomUUID(), generalAdmission: { sectionId: crypto.randomUUID(), quantity: -1 } },
        status: 400,
      },
      {
        name: 'huge quantity',
        method: 'POST',
        path: '/holds',
        body: { eventId: crypto.randomUUID(), generalAdmission: { sectionId: crypto.randomUUID(), quantity: 1e12 } },
        status: 400,
      },
      {
        name: 'fractional quantity',
        method: 'POST',
        path: '/holds',
        body: { eventId: crypto.randomUUID(), generalAdmission: { sectionId: crypto.randomUUID(), quantity: 1.5 } },
        status: 400,
      },
      { name: 'empty seat list', method: 'POST', path: '/holds', body: { eventId: crypto.randomUUID(), seatIds: [] }, status: 400 },
      { name: 'unknown event', method: 'POST', path: '/holds', body: { eventId: crypto.randomUUID(), seatIds: [crypto.randomUUID()] }, status: 404 },
      { name: 'non-uuid hold id', method: 'GET', path: '/holds/not-a-uuid', status: 400 },
      { name: 'unknown hold id', method: 'GET', path: `/holds/${crypto.randomUUID()}`, status: 404 },
      { name: 'malformed booking reference', method: 'GET', path: '/bookings/DROP%20TABLE', status: 400 },
      { name: 'unknown booking', method: 'GET', path: '/bookings/BK-0000-0000', status: 404 },
      { name: 'unknown payment method', method: 'POST', path: `/holds/${crypto.randomUUID()}/checkout`, body: { paymentMethod: 'pm_free_money' }, status: 400 },
      {
        name: 'oversized body',
        method: 'POST',
        path: '/holds',
        raw: JSON.stringify({ eventId: crypto.randomUUID(), seatIds: Array(5000).fill(crypto.randomUUID()) }),
        status: 413,
      },
      {
        name: 'wrong content type',
        method: 'POST',
        path: '/holds',
        raw: 'eventId=1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        status: 415,
      },
      { name: 'no token', method: 'POST', path: '/holds', body: { eventId: crypto.randomUUID(), seatIds: [crypto.randomUUID()] }, token: null, status: 401 },
      {
        name: 'forged token',
        method: 'POST',
        path: '/holds',
        body: { eventId: crypto.randomUUID(), seatIds: [crypto.randomUUID()] },
        token: `${badInputBuyer.slice(0, -4)}AAAA`,
        status: 401,
      },
      { name: 'no token, malformed body: 401, not a schema hint', method: 'POST', path: '/holds', raw: '{"eventId": ', token: null, status: 401 },
      { name: 'no token, invalid body: 401', method: 'POST', path: '/holds', body: { eventId: 42, vip: true }, token: null, status: 401 },
      { name: 'partner, invalid body: 403', method: 'POST', path: '/holds', body: { eventId: 42 }, token: testToken('org', 'partner'), status: 403 },
      {
        name: 'unsigned webhook with a malformed body: 401 before parsing',
        method: 'POST',
        path: '/payments/webhook',
        raw: '{"paymentId": ',
        token: null,
        status: 401,
      },
      {
        name: 'unsigned webhook with an invalid body: 401',
        method: 'POST',
        path: '/payments/webhook',
        body: { paymentId: 'x', outcome: 'maybe' },
        token: null,
        status: 401,
      },
      {
        name: 'partner cannot buy',
        method: 'POST',
        path: '/holds',
        body: { eventId: crypto.randomUUID(), seatIds: [crypto.randomUUID()] },
        token: testToken('org', 'partner'),
        status: 403,
      },
      { name: 'unknown route', method: 'GET', path: '/nope', status: 404 },
      { name: 'unknown query parameter', method: 'GET', path: `/events/${crypto.randomUUID()}/availability?debug=1`, status: 400 },
      {
        name: 'empty Idempotency-Key',
        method: 'POST',
        path: '/holds',
        body: { eventId: crypto.randomUUID(), seatIds: [crypto.randomUUID()] },
        headers: { 'idempotency-key': ' ' },
        status: 400,
      },
    ];
    for (const c of cases) {
      test(c.name, async () => {
        const token = c.token === null ? undefined : (c.token ?? badInputBuyer);
        const headers = { ...(c.raw !== undefined ? { 'content-type': 'application/json' } : {}), ...c.headers };
        const res = await http(h.url, c.method, c.path, { token, body: c.body, rawBody: c.raw, headers });
        assert.equal(res.status, c.status, JSON.stringify(res.body));
        assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
        assert.equal(res.body.status, c.status);
        assert.ok(res.body.title && res.body.type, 'problem has type and title');
      });
    }

    test('unknown seat ids of a real event name the seats', async () => {
      const unknown = crypto.randomUUID();
      const res = await http(h.url, 'POST', '/holds', { token: badInputBuyer, body: { eventId: event.eventId, seatIds: [unknown] } });
      assert.equal(res.status, 422);
      assert.deepEqual(res.body.unknownSeatIds, [unknown]);
    });

    test('validation problems name the field', async () => {
      const res = await http(h.url, 'POST', `/holds/${crypto.randomUUID()}/checkout`, {
        token: badInputBuyer,
        body: { paymentMethod: 'pm_card_approved', tip: 5 },
      });
      assert.equal(res.status, 400);
      assert.ok(
        res.body.errors.some((e: { field: string }) => e.field === 'body.tip'),
        JSON.stringify(res.body),
      );
    });

    test('nothing was written by any of the bad requests', async () => {
      assert.deepEqual(await writtenRows(), writtenBefore);
      const mine = await h.pool.query(
        `SELECT (SELECT count(*) FROM booking.holds WHERE buyer_id = 'bad-input-buyer')::int AS holds,
                (SELECT count(*) FROM booking.idempotency_keys WHERE principal LIKE '%bad-input-buyer%')::int AS keys`,
      );
      assert.deepEqual(mine.rows[0], { holds: 0, keys: 0 });
    });
  });
});
