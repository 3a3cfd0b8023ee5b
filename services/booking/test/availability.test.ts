import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPool, createLogger, type Pool } from '@ticketing/platform';
import { createAvailabilityCache } from '../src/availability.js';
import { type BookingHarness, http, seedEvent, startBookingHarness, testToken } from '@ticketing/testing';

/** GET with optional request headers; the raw answer (status, headers, bytes). */
async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe('availability: the seat map buyers poll', () => {
  let h: BookingHarness;
  before(async () => {
    // A long interval: within a test the snapshot stays put unless the test says otherwise.
    h = await startBookingHarness({ AVAILABILITY_CACHE_MS: '10000' });
  });
  after(() => h?.close());

  test('full, compact and layout describe the same seats; compact is at most 20 bytes per seat on a 2,000-seat venue', async () => {
    const event = await seedEvent(h.pool, { seats: 2000, gaCapacity: 300 });
    const buyer = testToken('map-buyer', 'buyer');
    const held = await http(h.url, 'POST', '/holds', { token: buyer, body: { eventId: event.eventId, seatIds: event.seatIds.slice(0, 3) } });
    assert.equal(held.status, 201);
    const base = `${h.url}/events/${event.eventId}/availability`;
    const full = await get(base);
    const compact = await get(`${base}?format=compact`);
    const layout = await get(`${base}?format=layout`);
    for (const answer of [full, compact, layout]) assert.equal(answer.status, 200);

    const fullBody = JSON.parse(full.bytes.toString());
    assert.equal(fullBody.seats.length, 2000);
    assert.deepEqual(Object.keys(fullBody.seats[0]).sort(), ['category', 'currency', 'priceCents', 'seatId', 'sectionId', 'status']);
    const ids = fullBody.seats.map((s: { seatId: string }) => s.seatId);
    assert.deepEqual(ids, [...ids].sort(), 'seats in seat-id order within the section');
    assert.deepEqual(fullBody.generalAdmission, [
      { sectionId: event.gaSectionId, category: 'floor', priceCents: 2500, currency: 'EUR', capacity: 300, available: 300 },
    ]);

    const layoutBody = JSON.parse(layout.bytes.toString());
    const compactBody = JSON.parse(compact.bytes.toString());
    assert.equal(compactBody.layout, layoutBody.layout, 'compact names the layout it follows');
    const decoded = layoutBody.sections.flatMap((g: { seatIds: string[] }, i: number) =>
      g.seatIds.map((seatId, j) => [seatId, { a: 'available', h: 'held', s: 'sold' }[compactBody.sections[i].status[j] as string]]),
    );
    assert.deepEqual(new Map(decoded), new Map(fullBody.seats.map((s: { seatId: string; status: string }) => [s.seatId, s.status])));
    assert.deepEqual(
      fullBody.seats
        .filter((s: { status: string }) => s.status === 'held')
        .map((s: { seatId: string }) => s.seatId)
        .sort(),
      event.seatIds.slice(0, 3).sort(),
    );
    const bytesPerSeat = compact.bytes.length / 2000;
    assert.ok(bytesPerSeat <= 20, `compact: ${bytesPerSeat.toFixed(1)} bytes per seat`);
    assert.ok(full.bytes.length / compact.bytes.length > 20, `full ${full.bytes.length} B vs compact ${compact.bytes.length} B`);
    assert.equal(layout.headers.get('cache-control'), 'public, max-age=300');
  });

  test("a buyer's own write shows at once in the seat map this replica serves, cache or not", async () => {
    const event = await seedEvent(h.pool, { seats: 3 });
    const statuses = async () => JSON.parse((await get(`${h.url}/events/${event.eventId}/availability?format=compact`)).bytes.toString()).sections[0].status;
    assert.equal(await statuses(), 'aaa');
    const buyer = testToken('own-write-buyer', 'buyer');
    const hold = await http(h.url, 'POST', '/holds', { token: buyer, body: { eventId: event.eventId, seatIds: [event.seatIds[0]] } });
    assert.equal(hold.status, 201);
    assert.equal((await statuses()).split('').filter((c: string) => c === 'h').length, 1, 'the hold shows, well within the 10 s snapshot interval');
    assert.equal((await http(h.url, 'DELETE', `/holds/${hold.body.id}`, { token: buyer })).status, 200);
    assert.equal(await statuses(), 'aaa', 'and so does the release');
  });

  test('sectionId keeps one section, seated or general admission', async () => {
    const event = await seedEvent(h.pool, { seats: 5, gaCapacity: 40 });
    const base = `${h.url}/events/${event.eventId}/availability`;
    const ga = JSON.parse((await get(`${base}?sectionId=${event.gaSectionId}`)).bytes.toString());
    assert.deepEqual(ga.seats, []);
    assert.equal(ga.generalAdmission.length, 1);
    const seatedSection = JSON.parse((await get(base)).bytes.toString()).seats[0].sectionId;
    const seated = JSON.parse((await get(`${base}?format=compact&sectionId=${seatedSection}`)).bytes.toString());
    assert.deepEqual(seated.generalAdmission, []);
    assert.deepEqual(
      seated.sections.map((s: { status: string }) => s.status),
      ['aaaaa'],
    );
    const bad = await http(h.url, 'GET', `/events/${event.eventId}/availability?sectionId=nope`);
    assert.equal(bad.status, 400);
    const badFormat = await http(h.url, 'GET', `/events/${event.eventId}/availability?format=xml`);
    assert.equal(badFormat.status, 400);
  });

  test('ETag and If-None-Match: 304 with no body while the state is the same, whatever the request Cache-Control says; each format has its own ETag', async () => {
    const event = await seedEvent(h.pool, { seats: 4 });
    const base = `${h.url}/events/${event.eventId}/availability`;
    const first = await get(base);
    const etag = first.headers.get('etag')!;
    assert.match(etag, /^"[\w-]+"$/);
    assert.equal(first.headers.get('cache-control'), 'public, max-age=10');
    const again = await get(base, { 'If-None-Match': etag });
    assert.equal(again.status, 304, `${etag} then ${again.headers.get('etag')}`);
    assert.equal(again.bytes.length, 0);
    const other = await get(`${base}?format=compact`, { 'If-None-Match': etag });
    assert.equal(other.status, 200, 'each format has its own ETag');
    const unknown = await http(h.url, 'GET', `/events/${crypto.randomUUID()}/availability`);
    assert.equal(unknown.status, 404);
  });
});

describe('availability cache: one database read per event per interval', () => {
  let h: BookingHarness;
  let pool: Pool;
  before(async () => {
    h = await startBookingHarness();
    pool = createPool(h.databaseUrl, 4, createLogger({}, 'error'));
  });
  after(async () => {
    await pool?.end();
    await h?.close();
  });

  /** The real pool, counting the statements it is asked to run. */
  function countingPool() {
    const counted = { statements: 0 };
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    const wrapped = new Proxy(pool, {
      get(target, property, receiver) {
        if (property === 'query')
          return (...args: unknown[]) => {
            counted.statements++;
            return query(...args);
          };
        return Reflect.get(target, property, receiver);
      },
    });
    return { pool: wrapped, counted };
  }

  test('500 concurrent requests share one read; after the interval one status query refreshes it; a change shows then', async () => {
    const event = await seedEvent(h.pool, { seats: 300 });
    const { pool: counting, counted } = countingPool();
    let clock = 1_000_000;
    const cache = createAvailabilityCache(counting, { ttlMs: 1000, now: () => clock });
    const answers = await Promise.all(Array.from({ length: 500 }, (_, i) => cache.answer(event.eventId, i % 2 ? 'compact' : 'full')));
    assert.equal(new Set(answers.filter((_, i) => i % 2).map((a) => a.body)).size, 1, 'one serialization per format');
    const firstRead = counted.statements;
    assert.ok(firstRead <= 4, `first read took ${firstRead} statements (catalog event, inventory, layout, statuses)`);
    assert.equal(cache.databaseReads(), 1);

    const hold = await http(h.url, 'POST', '/holds', {
      token: testToken('cache-buyer', 'buyer'),
      body: { eventId: event.eventId, seatIds: [event.seatIds[0]] },
    });
    assert.equal(hold.status, 201);
    clock += 999;
    const stale = await cache.answer(event.eventId, 'compact');
    assert.equal(stale.etag, answers[1]!.etag, 'within the interval: the snapshot');
    assert.equal(counted.statements, firstRead);

    clock += 1;
    const refreshed = await Promise.all(Array.from({ length: 100 }, () => cache.answer(event.eventId, 'compact')));
    assert.equal(counted.statements, firstRead + 1, 'a refresh is one statement for the whole event');
    assert.notEqual(refreshed[0]!.etag, stale.etag);
    assert.equal((JSON.parse(refreshed[0]!.body.toString()).sections[0].status.match(/h/g) ?? []).length, 1);
    assert.equal(cache.databaseReads(), 2);
  });
});
