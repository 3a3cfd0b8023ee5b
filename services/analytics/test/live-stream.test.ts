import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startService, type RunningService } from '@ticketing/platform';
import {
  createTestTopic,
  eventBody,
  http,
  smallVenue,
  startCatalogAndBooking,
  testDatabaseServerUrl,
  testKafkaBrokers,
  testServiceEnv,
  tokens,
  type LocalServices,
} from '@ticketing/testing';
import { gatewayEnv, startGateway, type TestGateway } from '../../gateway/test/support.js';
import { createAnalyticsDefinition } from '../src/app.js';

/** Reads `event: window` frames of a Server-Sent Events response as they arrive. */
function windowEvents(body: ReadableStream<Uint8Array>) {
  const received: { at: number; data: Record<string, unknown> }[] = [];
  const waiters: (() => void)[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = frame.split('\n');
        const data = lines.find((l) => l.startsWith('data: '));
        if (lines.includes('event: window') && data) received.push({ at: performance.now(), data: JSON.parse(data.slice(6)) });
        for (const wake of waiters.splice(0)) wake();
      }
    }
  })().catch(() => undefined);
  return {
    received,
    async next(matching: (data: Record<string, unknown>) => boolean, timeoutMs: number) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const found = received.find((r) => matching(r.data));
        if (found) return found;
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`no matching window update within ${timeoutMs} ms; got ${JSON.stringify(received.map((r) => r.data))}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, left).unref();
        });
      }
    },
  };
}

let services: LocalServices;
let analytics: RunningService;
let gateway: TestGateway;

before(async () => {
  services = await startCatalogAndBooking({ databaseServerUrl: testDatabaseServerUrl(), kafkaBrokers: testKafkaBrokers().join(',') });
  const results = await createTestTopic(testKafkaBrokers().join(','), 'analytics-results');
  analytics = await startService(
    createAnalyticsDefinition(),
    testServiceEnv(services.databaseUrl, {
      KAFKA_TOPIC_BOOKINGS: services.topic,
      KAFKA_TOPIC_ANALYTICS_RESULTS: results,
      KAFKA_CONSUMER_GROUP: `analytics-${results}`,
      ANALYTICS_RELAY_INTERVAL_MS: '50',
    }),
  );
  gateway = await startGateway(gatewayEnv({ analytics: analytics.url, catalog: services.catalogUrl, booking: services.bookingUrl }));
});
after(async () => {
  await gateway?.close();
  await analytics?.stop();
  await services?.close();
});

test('a partner watching the live stream through the gateway gets the window update within 2 s of a booking made through the API', async () => {
  const venue = await http(services.catalogUrl, 'POST', '/venues', { token: tokens.alice, body: smallVenue() });
  assert.equal(venue.status, 201, JSON.stringify(venue.body));
  const event = await http(services.catalogUrl, 'POST', '/events', { token: tokens.alice, body: eventBody(venue.body.id) });
  assert.equal(event.status, 201, JSON.stringify(event.body));
  const eventId = event.body.id as string;

  assert.equal((await http(analytics.url, 'GET', `/events/${eventId}/windows/stream`, { token: tokens.bob })).status, 404);
  const watching = new AbortController();
  const response = await fetch(`${gateway.url}/api/analytics/events/${eventId}/windows/stream`, {
    headers: { authorization: `Bearer ${tokens.alice}` },
    signal: watching.signal,
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const stream = windowEvents(response.body!);

  // The first hold's update shows the stream job is consuming (it may still be joining its group).
  const seats = (await http(services.bookingUrl, 'GET', `/events/${eventId}/availability`)).body.seats.map((s: { seatId: string }) => s.seatId);
  const hold = await http(services.bookingUrl, 'POST', '/holds', { token: tokens.buyer, body: { eventId, seatIds: seats.slice(0, 2) } });
  assert.equal(hold.status, 201, JSON.stringify(hold.body));
  await stream.next((w) => w.holdsCreated === 1, 60_000);

  const paid = await http(services.bookingUrl, 'POST', `/holds/${hold.body.id}/checkout`, { token: tokens.buyer, body: { paymentMethod: 'pm_card_approved' } });
  assert.equal(paid.status, 201, JSON.stringify(paid.body));
  const bookedAt = performance.now();
  const update = await stream.next((w) => w.ticketsSold === 2, 2_000);
  assert.ok(update.at - bookedAt < 2_000);
  assert.equal(update.data.eventId, eventId);
  assert.equal(update.data.holdsConverted, 1);
  assert.deepEqual(update.data.revenue, paid.body.amount ? { [paid.body.amount.currency]: paid.body.amount.cents } : {});

  // A client connecting now first gets the current window (the snapshot).
  const reconnecting = new AbortController();
  const late = await fetch(`${analytics.url}/events/${eventId}/windows/stream`, {
    headers: { authorization: `Bearer ${tokens.alice}` },
    signal: reconnecting.signal,
  });
  const snapshot = windowEvents(late.body!);
  await snapshot.next((w) => w.ticketsSold === 2, 5_000);
  reconnecting.abort();
  watching.abort();
});
