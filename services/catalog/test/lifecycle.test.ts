import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { consumeTopic, createTestTopic, eventBody, smallVenue, startCatalog, testKafkaBrokers, tokens, waitUntil, type TestCatalog } from '@ticketing/testing';

let catalog: TestCatalog;
let topic: string;
before(async () => {
  topic = await createTestTopic(testKafkaBrokers().join(','), 'catalog-changes');
  catalog = await startCatalog({ LIFECYCLE_INTERVAL_MS: '100', CHANGE_RELAY_INTERVAL_MS: '50', KAFKA_TOPIC_CATALOG: topic });
});
after(async () => {
  await catalog?.close();
});

let venueId: string;
async function venue() {
  venueId ??= (await catalog.call('POST', '/venues', { token: tokens.alice, body: smallVenue() })).body.id;
  return venueId;
}
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
/** Creates an event; `overrides` may be a function, so times relative to now are taken once the venue exists. */
async function createEvent(overrides: Record<string, unknown> | (() => Record<string, unknown>)) {
  const venueId = await venue();
  const body = eventBody(venueId, typeof overrides === 'function' ? overrides() : overrides);
  const res = await catalog.call('POST', '/events', { token: tokens.alice, body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string; status: string };
}
const patch = (id: string, body: unknown, token = tokens.alice) => catalog.call('PATCH', `/events/${id}`, { token, body });
const statusOf = async (id: string) => (await catalog.call('GET', `/events/${id}`, { token: tokens.alice })).body.status as string;
const reaches = (id: string, status: string) =>
  waitUntil(`event ${id} ${status}`, async () => (await statusOf(id)) === status, { timeoutMs: 15_000, intervalMs: 50 });

describe('event lifecycle', () => {
  test('scheduled goes on sale by itself, sales close at the start, the event has happened at its end', async () => {
    const event = await createEvent(() => ({ status: 'scheduled', salesOpenAt: inSeconds(1.5), startsAt: inSeconds(3.5), endsAt: inSeconds(5) }));
    assert.equal(event.status, 'scheduled');
    await reaches(event.id, 'on_sale');
    await reaches(event.id, 'sales_closed');
    await reaches(event.id, 'happened');
    assert.equal((await patch(event.id, { title: 'Too late' })).body.type, 'https://ticketing.dev/problems/event-happened');
    assert.equal((await patch(event.id, { status: 'cancelled' })).status, 409);

    const changes = (await catalog.call('GET', `/events/${event.id}/changes`, { token: tokens.alice })).body.items;
    assert.deepEqual(
      changes.map((c: any) => [c.type, c.actor, c.data.from, c.data.to]),
      [
        ['event.created', 'partner-alice', undefined, undefined],
        ['event.status_changed', 'system', 'scheduled', 'on_sale'],
        ['event.status_changed', 'system', 'on_sale', 'sales_closed'],
        ['event.status_changed', 'system', 'sales_closed', 'happened'],
      ],
    );
  });

  test('never on sale in the past; scheduling needs a future opening before the start', async () => {
    const startsAt = inSeconds(1.5);
    const draft = await createEvent({ status: 'draft', startsAt, endsAt: inSeconds(3600) });
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(startsAt) - Date.now() + 100)));
    const late = await patch(draft.id, { status: 'on_sale' });
    assert.equal(late.status, 422);
    assert.equal(late.body.type, 'https://ticketing.dev/problems/starts-in-past');
    assert.equal((await patch(draft.id, { status: 'scheduled', salesOpenAt: inSeconds(10) })).body.type, 'https://ticketing.dev/problems/starts-in-past');
    assert.equal(await statusOf(draft.id), 'draft');

    const later = await createEvent({ status: 'draft' });
    assert.equal((await patch(later.id, { status: 'scheduled' })).status, 400);
    assert.equal(
      (await patch(later.id, { status: 'scheduled', salesOpenAt: '2020-01-01T00:00:00Z' })).body.type,
      'https://ticketing.dev/problems/sales-open-in-past',
    );
    assert.equal((await patch(later.id, { status: 'scheduled', salesOpenAt: '2031-06-01T00:00:00Z' })).status, 400);
    const scheduled = await patch(later.id, { status: 'scheduled', salesOpenAt: '2030-01-01T10:00:00Z' });
    assert.equal(scheduled.status, 200, JSON.stringify(scheduled.body));
    assert.equal(scheduled.body.salesOpenAt, '2030-01-01T10:00:00.000Z');
    const unscheduled = await catalog.call('POST', '/events', { token: tokens.alice, body: eventBody(await venue(), { status: 'scheduled' }) });
    assert.equal(unscheduled.status, 400);
    assert.match(unscheduled.body.detail, /salesOpenAt: is required/);
  });

  test('on sale now, paused and resumed, closed early, cancelled; no way back', async () => {
    const event = await createEvent({ status: 'draft' });
    for (const [to, status] of [
      ['on_sale', 200],
      ['paused', 200],
      ['on_sale', 200],
      ['draft', 409],
      ['sales_closed', 200],
      ['on_sale', 409],
      ['paused', 409],
      ['cancelled', 200],
      ['cancelled', 200],
      ['on_sale', 409],
    ] as const) {
      const res = await patch(event.id, { status: to });
      assert.equal(res.status, status, `${to}: ${JSON.stringify(res.body)}`);
    }
    assert.equal(await statusOf(event.id), 'cancelled');
    // Buyers can search what is on sale, paused or closed; drafts stay hidden.
    assert.equal(
      (await catalog.call('GET', '/events?status=cancelled&limit=100')).body.items.some((e: any) => e.id === event.id),
      true,
    );
    assert.equal((await catalog.call('GET', '/events?status=draft')).status, 400);
  });
});

describe('changes after publishing', () => {
  test('time, title and price changes are audited (who, when, what) and published on catalog-changes', async () => {
    const event = await createEvent({});
    const moved = await patch(event.id, { startsAt: '2031-05-02T19:00:00Z', endsAt: '2031-05-02T22:00:00Z', title: 'Moved Concert' });
    assert.equal(moved.status, 200);
    const repriced = await catalog.call('PUT', `/events/${event.id}/price-tiers/standard`, {
      token: tokens.alice,
      body: { priceCents: 6500, currency: 'EUR' },
    });
    assert.equal(repriced.status, 200, JSON.stringify(repriced.body));
    assert.equal(repriced.body.priceTiers.find((t: any) => t.category === 'standard').priceCents, 6500);
    const seatMap = await catalog.call('GET', `/events/${event.id}/seat-map`);
    assert.equal(seatMap.body.sections[0].seats.find((s: any) => s.category === 'standard').priceCents, 6500);

    // The tiers must still fit the venue and its currency.
    const put = (category: string, body: unknown, token = tokens.alice) => catalog.call('PUT', `/events/${event.id}/price-tiers/${category}`, { token, body });
    assert.equal((await put('standard', { priceCents: 6500, currency: 'USD' })).body.type, 'https://ticketing.dev/problems/mixed-currencies');
    assert.equal((await put('balcony', { priceCents: 100, currency: 'EUR' })).body.type, 'https://ticketing.dev/problems/unknown-category');
    // Another organization can neither change it nor read its trail.
    assert.equal((await put('standard', { priceCents: 1, currency: 'EUR' }, tokens.bob)).status, 403);
    assert.equal((await patch(event.id, { title: 'Mine now' }, tokens.bob)).status, 403);
    assert.equal((await catalog.call('GET', `/events/${event.id}/changes`, { token: tokens.bob })).status, 404);
    assert.equal((await catalog.call('GET', `/venues/${venueId}/changes`, { token: tokens.bob })).status, 404);

    const trail = (await catalog.call('GET', `/events/${event.id}/changes`, { token: tokens.alice })).body.items;
    assert.deepEqual(
      trail.map((c: any) => c.type),
      ['event.created', 'event.updated', 'event.time_changed', 'event.tier_repriced'],
    );
    const [, updated, timeChanged, tier] = trail;
    assert.deepEqual(updated.data, { fields: { title: { from: 'Night Concert', to: 'Moved Concert' } } });
    assert.deepEqual(timeChanged.data, {
      previousStartsAt: '2031-05-01T19:00:00.000Z',
      previousEndsAt: '2031-05-01T22:00:00.000Z',
      startsAt: '2031-05-02T19:00:00.000Z',
      endsAt: '2031-05-02T22:00:00.000Z',
    });
    assert.deepEqual(tier.data, { category: 'standard', currency: 'EUR', previousPriceCents: 5000, priceCents: 6500 });
    for (const c of trail) {
      assert.equal(c.actor, 'partner-alice');
      assert.equal(c.organizationId, 'org-alice');
      assert.ok(Date.now() - Date.parse(c.occurredAt) < 60_000);
    }

    const ids = new Set(trail.map((c: any) => c.id));
    const messages = await consumeTopic(testKafkaBrokers(), topic, (all) => [...ids].every((id) => all.some((m) => m.value.id === id)), 30_000);
    const published = messages.filter((m) => ids.has(m.value.id));
    assert.deepEqual(
      published.map((m) => m.value.type),
      trail.map((c: any) => c.type),
    );
    for (const m of published) {
      assert.equal(m.key, event.id);
      assert.equal(m.headerId, m.value.id);
      const { seq: _seq, ...expected } = trail.find((c: any) => c.id === m.value.id);
      assert.deepEqual(m.value, expected);
    }
  });
});
