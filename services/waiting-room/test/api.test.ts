/**
 * The waiting room as organizers and buyers use it over HTTP, with booking
 * verifying its passes: settings scoped to the event's organization, one
 * place per account (re-joining and a second tab keep it), a limit per
 * address, a closed queue, admission seen live over SSE when a shopper leaves,
 * lapsed passes freeing their slot, and booking refusing holds without a
 * valid pass with 403.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  http,
  seedEvent,
  startWaitingRoomStack,
  testRedisUrl,
  testServiceEnv,
  testToken,
  waitUntil,
  type SeededEvent,
  type WaitingRoomStack,
} from '@ticketing/testing';
import { createWaitingRoomDefinition } from '../src/app.js';
import { loadSigningKeys, generateSigningKeySet } from '@ticketing/users/signing-keys';
import { admissionPassClaims, admissionPassHeader } from '@ticketing/platform/admission-pass';
import { gatewayDefinition } from '@ticketing/gateway/app';
import { upstreamSettings } from '@ticketing/gateway/service';
import { startService } from '@ticketing/platform';
import { testAuthEnv } from '@ticketing/platform/testing';
import { Redis } from 'ioredis';

const organizer = testToken('organizer-1', 'partner', { org: 'org-1' });
const otherOrganizer = testToken('organizer-2', 'partner', { org: 'org-2' });
const buyer = (name: string) => ({ sub: name, token: testToken(name, 'buyer') });
const past = () => new Date(Date.now() - 60_000).toISOString();
const future = () => new Date(Date.now() + 3_600_000).toISOString();

/** A Server-Sent Events reader over fetch (as the web page reads it, with the bearer token). */
async function openStream(url: string, token: string) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: { event: string; data: any }[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    }
  })();
  return {
    events,
    next: (what: string, match: (e: { event: string; data: any }) => boolean) =>
      waitUntil(what, async () => events.find(match), { timeoutMs: 10_000, intervalMs: 50 }),
    async close() {
      controller.abort();
      await pump;
    },
  };
}

describe('waiting room API, with booking checking the passes', () => {
  let stack: WaitingRoomStack;
  let bookingUrl: string;
  let redis: Redis;
  before(async () => {
    stack = await startWaitingRoomStack({ booking: true, env: { QUEUE_PLACES_PER_IP: '3' } });
    bookingUrl = stack.booking!.url;
    redis = new Redis(testRedisUrl());
  });
  after(async () => {
    redis?.disconnect();
    await stack?.close();
  });

  const call = (method: string, path: string, options: Parameters<typeof http>[3] = {}) => http(stack.url, method, path, options);
  const setUp = (eventId: string, settings: Record<string, unknown> = {}, token = organizer) =>
    call('PUT', `/events/${eventId}`, { token, body: { onsaleAt: past(), maxConcurrentShoppers: 1, shoppingSeconds: 600, open: true, ...settings } });
  const join = (eventId: string, who: { token: string }) => call('POST', `/events/${eventId}/queue`, { token: who.token });
  const me = (eventId: string, who: { token: string }) => call('GET', `/events/${eventId}/queue/me`, { token: who.token });
  const hold = (event: SeededEvent, who: { token: string }, pass?: string, seat = 0) =>
    http(bookingUrl, 'POST', '/holds', {
      token: who.token,
      body: { eventId: event.eventId, seatIds: [event.seatIds[seat]] },
      headers: pass ? { [admissionPassHeader]: pass } : {},
    });
  const admittedPass = async (eventId: string, who: { token: string }) =>
    (
      await waitUntil('admission', async () => ((await me(eventId, who)).body.state === 'admitted' ? (await me(eventId, who)).body : false), {
        timeoutMs: 10_000,
      })
    ).pass as string;

  test("organizer settings: only the event's organization (or an admin) sets them; changes apply during the sale", async () => {
    const event = await seedEvent(stack.pool, { seats: 5 });
    assert.equal((await setUp(event.eventId, {}, buyer('b-settings').token)).status, 403);
    const foreign = await setUp(event.eventId, {}, otherOrganizer);
    assert.equal(foreign.status, 403);
    assert.equal(foreign.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal((await setUp(crypto.randomUUID())).status, 404);
    const limitless = await setUp(event.eventId, { maxConcurrentShoppers: null });
    assert.equal(limitless.status, 422);
    assert.equal(limitless.body.type, 'https://ticketing.dev/problems/no-admission-limit');

    const created = await setUp(event.eventId, { onsaleAt: future(), admissionPerMinute: 60, maxConcurrentShoppers: null });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.state, 'before_onsale');
    const raised = await setUp(event.eventId, { onsaleAt: future(), admissionPerMinute: 600, maxConcurrentShoppers: null });
    assert.equal(raised.status, 200);
    const shown = await call('GET', `/events/${event.eventId}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.admissionPerMinute, 600);
    assert.equal('shuffleSeed' in shown.body, false, 'the shuffle seed never leaves the service');
    assert.equal((await call('DELETE', `/events/${event.eventId}`, { token: otherOrganizer })).status, 403);
    assert.equal((await call('GET', `/events/${crypto.randomUUID()}`)).status, 404);
  });

  test('one place per account: re-joining and a second tab keep it; an honest estimate from the rate; a limit per address; a closed queue says so', async () => {
    const event = await seedEvent(stack.pool, { seats: 5 });
    await setUp(event.eventId, { onsaleAt: future(), admissionPerMinute: 120, maxConcurrentShoppers: null });
    const [a, b, c, d] = ['p-a', 'p-b', 'p-c', 'p-d'].map(buyer) as [ReturnType<typeof buyer>, ...ReturnType<typeof buyer>[]];
    const first = await join(event.eventId, a);
    assert.equal(first.status, 201);
    assert.equal(first.body.state, 'waiting');
    assert.equal(first.body.provisional, true, 'before the onsale the order is still to be drawn');
    const again = await join(event.eventId, a);
    assert.equal(again.status, 200);
    assert.equal(again.body.position, first.body.position);
    assert.equal(again.body.joinedAt, first.body.joinedAt);
    await join(event.eventId, b!);
    await join(event.eventId, c!);
    const secondTab = await me(event.eventId, a);
    assert.equal(secondTab.body.state, 'waiting');
    assert.equal(secondTab.body.queueLength, 3);
    // Wait = time to the onsale + position ÷ 120 per minute.
    const untilOnsale = (Date.parse(secondTab.body.onsaleAt) - Date.now()) / 1000;
    assert.ok(Math.abs(secondTab.body.estimatedWaitSeconds - (untilOnsale + secondTab.body.position * 0.5)) <= 2, JSON.stringify(secondTab.body));
    assert.equal(secondTab.body.estimateBasis, 'admission-rate');

    const fourth = await join(event.eventId, d!);
    assert.equal(fourth.status, 429, 'a fourth account from the same address');
    assert.equal(fourth.body.type, 'https://ticketing.dev/problems/queue-places-per-ip');
    assert.equal((await call('DELETE', `/events/${event.eventId}/queue/me`, { token: c!.token })).status, 204);
    assert.equal((await me(event.eventId, c!)).body.state, 'not_queued');
    assert.equal((await join(event.eventId, d!)).status, 201, 'the address has a place free again');

    await setUp(event.eventId, { onsaleAt: future(), admissionPerMinute: 120, maxConcurrentShoppers: null, open: false });
    const refused = await join(event.eventId, c!);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.type, 'https://ticketing.dev/problems/waiting-room-closed');
    const kept = await me(event.eventId, a);
    assert.equal(kept.body.state, 'waiting', 'who was queued keeps the place');
    assert.equal(kept.body.room, 'closed');
    assert.equal((await join(event.eventId, a)).status, 200, 're-joining a closed queue keeps the place');
    assert.equal((await join(crypto.randomUUID(), a)).status, 404);
  });

  test('a sold-out event: admission stops, a new buyer is told so, the queued see it; places coming back reopen it', async () => {
    const event = await seedEvent(stack.pool, { seats: 1, gaCapacity: 2 });
    await setUp(event.eventId, { onsaleAt: future(), admissionPerMinute: 60, maxConcurrentShoppers: null });
    const [queued, late] = [buyer('sold-a'), buyer('sold-b')];
    await join(event.eventId, queued);
    assert.equal((await http(bookingUrl, 'GET', `/events/${event.eventId}/availability`)).status, 200); // booking creates the inventory
    // Everything sold (as checkout leaves it; the bookings themselves are not what this test is about).
    await stack.pool.query(`UPDATE booking.seat_inventory SET status = 'sold', booking_id = gen_random_uuid() WHERE event_id = $1`, [event.eventId]);
    await stack.pool.query('UPDATE booking.ga_inventory SET sold = capacity WHERE event_id = $1', [event.eventId]);
    await waitUntil('the sync to mark it sold out', async () => (await me(event.eventId, queued)).body.room === 'sold_out', { timeoutMs: 10_000 });
    const refused = await join(event.eventId, late);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.type, 'https://ticketing.dev/problems/sold-out');
    const shown = await me(event.eventId, queued);
    assert.equal(shown.body.state, 'waiting');
    assert.equal(shown.body.estimatedWaitSeconds, null, 'no estimate for what cannot come');
    await stack.pool.query('UPDATE booking.ga_inventory SET sold = 0 WHERE event_id = $1', [event.eventId]);
    await waitUntil('places back on sale', async () => (await me(event.eventId, queued)).body.room === 'before_onsale', { timeoutMs: 10_000 });
    assert.equal((await join(event.eventId, late)).status, 201);
  });

  test('a buyer who leaves frees the slot: the next in line is admitted, and sees it live over SSE with the pass booking accepts', async () => {
    const event = await seedEvent(stack.pool, { seats: 5 });
    await setUp(event.eventId, { maxConcurrentShoppers: 1 });
    const shopper = buyer('sse-a');
    const next = buyer('sse-b');
    assert.equal((await join(event.eventId, shopper)).status, 201);
    await admittedPass(event.eventId, shopper);
    const waiting = await join(event.eventId, next);
    assert.equal(waiting.body.state, 'waiting');
    assert.equal(waiting.body.position, 1);
    assert.equal(waiting.body.estimateBasis, 'shopping-time');
    assert.equal(waiting.body.estimatedWaitSeconds, 600, 'at most the shopping time of the one shopper ahead');

    const stream = await openStream(`${stack.url}/events/${event.eventId}/queue/me/stream`, next.token);
    try {
      const first = await stream.next('the current place', (e) => e.event === 'place');
      assert.equal(first.data.state, 'waiting');
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(stream.events.filter((e) => e.data.state === 'admitted').length, 0, 'the slot is taken: nobody else is admitted');

      assert.equal((await call('DELETE', `/events/${event.eventId}/queue/me`, { token: shopper.token })).status, 204);
      const admitted = await stream.next('the admission', (e) => e.event === 'place' && e.data.state === 'admitted');
      assert.ok(admitted.data.admittedAt && admitted.data.pass && admitted.data.passExpiresAt);
      assert.equal((await hold(event, next, admitted.data.pass)).status, 201, 'booking accepts the pass');
    } finally {
      await stream.close();
    }
  });

  test('a lapsed pass frees its slot for the next in line; joining again starts at the back', async () => {
    const event = await seedEvent(stack.pool, { seats: 5 });
    await setUp(event.eventId, { maxConcurrentShoppers: 1 });
    const [first, second] = [buyer('lapse-a'), buyer('lapse-b')];
    await join(event.eventId, first);
    const pass = await admittedPass(event.eventId, first);
    await join(event.eventId, second);
    assert.equal((await me(event.eventId, second)).body.state, 'waiting');
    // The shopping time runs out (made to, rather than waited for: at least 30 s).
    await redis.zadd(`${stack.keyPrefix}:{${event.eventId}}:admitted`, Date.now() - 1, first.sub);
    await admittedPass(event.eventId, second);
    assert.equal((await me(event.eventId, first)).body.state, 'not_queued');
    const back = await join(event.eventId, first);
    assert.equal(back.status, 201);
    assert.equal(back.body.position, 1, 'behind the shopper now admitted');
    assert.ok(pass);
  });

  test('through the gateway: joining, the live stream (past the route timeout) and the pass header reach their services', async () => {
    const gateway = await startService(gatewayDefinition, {
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'error',
      REDIS_URL: testRedisUrl(),
      RATE_LIMIT_KEY_PREFIX: `${stack.keyPrefix}-gateway`,
      ...testAuthEnv,
      [upstreamSettings('waiting-room').url]: stack.url,
      [upstreamSettings('waiting-room').timeoutMs]: '500',
      [upstreamSettings('booking').url]: bookingUrl,
      // Not part of this test: a port nothing listens on (never a service someone else runs on this machine).
      [upstreamSettings('users').url]: 'http://127.0.0.1:9',
      [upstreamSettings('catalog').url]: 'http://127.0.0.1:9',
    });
    try {
      const event = await seedEvent(stack.pool, { seats: 5 });
      await setUp(event.eventId, { maxConcurrentShoppers: 1 });
      const [first, second] = [buyer('gw-a'), buyer('gw-b')];
      const joined = await http(gateway.url, 'POST', `/api/waiting-room/events/${event.eventId}/queue`, { token: first.token });
      assert.equal(joined.status, 201);
      await admittedPass(event.eventId, first);
      await http(gateway.url, 'POST', `/api/waiting-room/events/${event.eventId}/queue`, { token: second.token });
      const stream = await openStream(`${gateway.url}/api/waiting-room/events/${event.eventId}/queue/me/stream`, second.token);
      try {
        await stream.next('the place', (e) => e.data.state === 'waiting');
        await new Promise((resolve) => setTimeout(resolve, 800)); // longer than the route's 500 ms timeout
        await http(gateway.url, 'DELETE', `/api/waiting-room/events/${event.eventId}/queue/me`, { token: first.token });
        const admitted = await stream.next('the admission', (e) => e.data.state === 'admitted');
        const refused = await http(gateway.url, 'POST', '/api/booking/holds', {
          token: second.token,
          body: { eventId: event.eventId, seatIds: [event.seatIds[0]] },
        });
        assert.equal(refused.status, 403);
        const held = await http(gateway.url, 'POST', '/api/booking/holds', {
          token: second.token,
          body: { eventId: event.eventId, seatIds: [event.seatIds[0]] },
          headers: { [admissionPassHeader]: admitted.data.pass },
        });
        assert.equal(held.status, 201, JSON.stringify(held.body));
      } finally {
        await stream.close();
      }
      const docs = await http(gateway.url, 'GET', '/api/openapi.json');
      assert.ok(docs.body.paths['/api/waiting-room/events/{eventId}/queue'], 'the public API document has the waiting room');
    } finally {
      await gateway.stop();
    }
  });

  test('with Redis away: 503 with Retry-After for buyers, not ready, never a 500', async () => {
    const event = await seedEvent(stack.pool, { seats: 1 });
    const cut = await startService(createWaitingRoomDefinition(), {
      ...testServiceEnv(stack.databaseUrl, {
        REDIS_URL: 'redis://127.0.0.1:9',
        WAITING_ROOM_SIGNING_KEYS: stack.passKeys,
        WAITING_ROOM_KEY_PREFIX: stack.keyPrefix,
        DATABASE_MIGRATE: 'false',
      }),
    });
    try {
      const refused = await http(cut.url, 'POST', `/events/${event.eventId}/queue`, { token: buyer('no-redis').token });
      assert.equal(refused.status, 503, JSON.stringify(refused.body));
      assert.equal(refused.body.reason, 'redis-unavailable');
      assert.ok(Number(refused.headers.get('retry-after')) > 0);
      assert.equal((await http(cut.url, 'GET', `/events/${event.eventId}/queue/me`, { token: buyer('no-redis').token })).status, 503);
      assert.equal((await http(cut.url, 'GET', '/readyz')).status, 503);
    } finally {
      await cut.stop();
    }
  });

  test('booking refuses a hold on a waiting-room event without a valid pass (403 naming the waiting room), and counts why', async () => {
    const event = await seedEvent(stack.pool, { seats: 5 });
    const otherEvent = await seedEvent(stack.pool, { seats: 5 });
    const plain = await seedEvent(stack.pool, { seats: 5 });
    await setUp(event.eventId, { maxConcurrentShoppers: 5 });
    await setUp(otherEvent.eventId, { maxConcurrentShoppers: 5 });
    const [holder, stranger] = [buyer('guard-a'), buyer('guard-b')];
    await join(event.eventId, holder);
    const pass = await admittedPass(event.eventId, holder);
    await join(otherEvent.eventId, stranger);
    const strangersOtherPass = await admittedPass(otherEvent.eventId, stranger);
    const keys = await loadSigningKeys(stack.passKeys, 'WAITING_ROOM_SIGNING_KEYS');
    const expired = await keys.signClaims(holder.sub, { evt: event.eventId }, { ...admissionPassClaims, ttlSeconds: -60 });
    const forged = await (
      await loadSigningKeys(generateSigningKeySet())
    ).signClaims(holder.sub, { evt: event.eventId }, { ...admissionPassClaims, ttlSeconds: 300 });

    const rejectedCounts = async () => {
      const metrics = await (await fetch(`${bookingUrl}/metrics`)).text();
      const count = (reason: string) => Number(new RegExp(`booking_waiting_room_passes_rejected_total\\{reason="${reason}"[^}]*\\} (\\d+)`).exec(metrics)?.[1]);
      return Object.fromEntries(['missing', 'expired', 'other_account', 'other_event', 'invalid'].map((r) => [r, count(r)]));
    };
    const before = await rejectedCounts();
    const refusals: [string, Awaited<ReturnType<typeof hold>>][] = [
      ['missing', await hold(event, holder)],
      ['expired', await hold(event, holder, expired)],
      ['other_account', await hold(event, stranger, pass)],
      ['other_event', await hold(event, stranger, strangersOtherPass)],
      ['invalid', await hold(event, holder, forged)],
      ['invalid', await hold(event, holder, testToken(holder.sub, 'buyer'))],
    ];
    for (const [reason, res] of refusals) {
      assert.equal(res.status, 403, `${reason}: ${JSON.stringify(res.body)}`);
      assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.equal(res.body.type, 'https://ticketing.dev/problems/waiting-room-pass-required');
      assert.equal(res.body.reason, reason);
      assert.deepEqual(res.body.waitingRoom, { service: 'waiting-room', eventId: event.eventId, queue: `/api/waiting-room/events/${event.eventId}/queue` });
    }
    assert.equal((await hold(event, holder, pass)).status, 201, 'the holder’s own pass for this event');
    assert.equal((await hold(plain, stranger)).status, 201, 'an event without a waiting room needs no pass');

    const after = await rejectedCounts();
    assert.deepEqual(
      Object.keys(after).map((reason) => after[reason]! - before[reason]!),
      [1, 1, 1, 1, 2],
    );

    // Removing the room lifts the requirement.
    assert.equal((await call('DELETE', `/events/${event.eventId}`, { token: organizer })).status, 204);
    assert.equal((await hold(event, stranger, undefined, 1)).status, 201);
  });
});
