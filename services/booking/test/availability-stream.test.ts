/**
 * Live availability (GET /events/{eventId}/availability/stream): a change made
 * through one booking process reaches a stream held open on another process,
 * in well under 2 s; only committed changes are announced; a change no
 * replica made (an operator's SQL, a hold lapsing) reaches the streams too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawnBookingReplica, type ReplicaProcess } from './replica-process.js';
import {
  bookingEnv,
  type BookingHarness,
  http,
  onEveryQuery,
  openEventStream,
  type OpenEventStream,
  seedEvent,
  startBookingHarness,
  testToken,
} from '@ticketing/testing';

/** Opens the event's stream on `replica`, waits for its snapshot, runs `check`, closes the stream. */
async function watching(replica: ReplicaProcess, eventId: string, check: (stream: OpenEventStream) => Promise<void>): Promise<void> {
  const stream = await openEventStream(`${replica.url}/events/${eventId}/availability/stream`);
  try {
    await stream.next((e) => e.event === 'snapshot');
    await check(stream);
  } finally {
    stream.close();
  }
}

describe('live availability across two booking processes', () => {
  let h: BookingHarness;
  let replicas: ReplicaProcess[] = [];
  before(async () => {
    h = await startBookingHarness();
    const env = bookingEnv(h.databaseUrl, { KAFKA_TOPIC_BOOKINGS: h.topic, DATABASE_MIGRATE: 'false' });
    replicas = await Promise.all([spawnBookingReplica(env), spawnBookingReplica(env)]);
  });
  after(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await h?.close();
  });

  test('a hold, a sale and a release made on one replica reach a stream on the other within 2 s', async () => {
    const event = await seedEvent(h.pool, { seats: 20, gaCapacity: 30 });
    const [watcher, writer] = replicas as [ReplicaProcess, ReplicaProcess];
    const stream = await openEventStream(`${watcher.url}/events/${event.eventId}/availability/stream`);
    try {
      assert.equal(stream.status, 200);
      assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
      const snapshot = await stream.next((e) => e.event === 'snapshot');
      assert.equal(snapshot.data.seats.length, 20);
      assert.ok(snapshot.data.seats.every((s: { status: string }) => s.status === 'available'));
      assert.deepEqual(
        snapshot.data.generalAdmission.map((g: { available: number }) => g.available),
        [30],
      );

      const buyer = testToken('live-buyer', 'buyer');
      const seat = event.seatIds[3]!;
      const startedAt = Date.now();
      const hold = await http(writer.url, 'POST', '/holds', { token: buyer, body: { eventId: event.eventId, seatIds: [seat] } });
      assert.equal(hold.status, 201);
      const held = await stream.next((e) => e.event === 'changes' && e.data.seats.some((s: any) => s.seatId === seat && s.status === 'held'), 2_000);
      assert.ok(held.receivedAt - startedAt < 2_000);
      assert.deepEqual(held.data.seats, [{ seatId: seat, status: 'held' }], 'only what changed is sent');

      const paid = await http(writer.url, 'POST', `/holds/${hold.body.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
      assert.equal(paid.status, 201);
      await stream.next((e) => e.event === 'changes' && e.data.seats.some((s: any) => s.seatId === seat && s.status === 'sold'), 2_000);

      const ga = await http(writer.url, 'POST', '/holds', {
        token: buyer,
        body: { eventId: event.eventId, generalAdmission: { sectionId: event.gaSectionId, quantity: 4 } },
      });
      assert.equal(ga.status, 201);
      await stream.next(
        (e) => e.event === 'changes' && e.data.generalAdmission.some((g: any) => g.sectionId === event.gaSectionId && g.available === 26),
        2_000,
      );
      const released = await http(writer.url, 'DELETE', `/holds/${ga.body.id}`, { token: buyer });
      assert.equal(released.status, 200);
      await stream.next((e) => e.event === 'changes' && e.data.generalAdmission.some((g: any) => g.available === 30), 2_000);
    } finally {
      stream.close();
    }
  });

  test('a refused claim announces nothing: only committed changes reach the streams', async () => {
    const event = await seedEvent(h.pool, { seats: 4 });
    const [a, b] = replicas as [ReplicaProcess, ReplicaProcess];
    await watching(a, event.eventId, async (stream) => {
      const first = await http(b.url, 'POST', '/holds', { token: testToken('first', 'buyer'), body: { eventId: event.eventId, seatIds: [event.seatIds[0]] } });
      assert.equal(first.status, 201);
      await stream.next((e) => e.event === 'changes', 2_000);
      // Seat 1 is free, seat 0 is taken: the transaction that would hold seat 1 rolls back.
      const refused = await http(b.url, 'POST', '/holds', {
        token: testToken('second', 'buyer'),
        body: { eventId: event.eventId, seatIds: [event.seatIds[0], event.seatIds[1]] },
      });
      assert.equal(refused.status, 409);
      // A later committed change is the next thing the stream hears; seat 1 never showed as held.
      const third = await http(b.url, 'POST', '/holds', { token: testToken('third', 'buyer'), body: { eventId: event.eventId, seatIds: [event.seatIds[2]] } });
      assert.equal(third.status, 201);
      await stream.next((e) => e.event === 'changes' && e.data.seats.some((s: any) => s.seatId === event.seatIds[2]), 2_000);
      const announced = stream.events.flatMap((e) => (e.event === 'changes' ? e.data.seats.map((s: any) => s.seatId) : []));
      assert.ok(!announced.includes(event.seatIds[1]), JSON.stringify(stream.events));
    });
  });

  test("changes no booking process announced reach the streams too: an operator's SQL, a hold lapsing", async () => {
    const event = await seedEvent(h.pool, { seats: 4, gaCapacity: 10 });
    const [a, b] = replicas as [ReplicaProcess, ReplicaProcess];
    const hold = await http(b.url, 'POST', '/holds', { token: testToken('lapsing', 'buyer'), body: { eventId: event.eventId, seatIds: [event.seatIds[2]] } });
    assert.equal(hold.status, 201);
    await watching(a, event.eventId, async (stream) => {
      // The hold's time runs out: no writer at all, the seat is available again before any sweeper runs.
      await h.pool.query(`UPDATE booking.seat_inventory SET held_until = now() - interval '1 second' WHERE hold_id = $1`, [hold.body.id]);
      await stream.next((e) => e.event === 'changes' && e.data.seats.some((s: any) => s.seatId === event.seatIds[2] && s.status === 'available'), 2_000);
      await h.pool.query(`UPDATE booking.ga_inventory SET capacity = capacity - 3 WHERE event_id = $1`, [event.eventId]);
      await stream.next((e) => e.event === 'changes' && e.data.generalAdmission.some((g: any) => g.available === 7), 2_000);
    });
  });

  test('many streams of one event cost one read per interval on their replica', async () => {
    const event = await seedEvent(h.pool, { seats: 6 });
    // The harness's own booking service runs in this process: count its availability reads of this event.
    let reads = 0;
    const stopCounting = onEveryQuery(([config]) => {
      const query = config as { name?: string; values?: unknown[] } | undefined;
      if (query?.name === 'availability-status' && query.values?.[0] === event.eventId) reads++;
    });
    const streams = await Promise.all(Array.from({ length: 12 }, () => openEventStream(`${h.url}/events/${event.eventId}/availability/stream`)));
    try {
      await Promise.all(streams.map((s) => s.next((e) => e.event === 'snapshot')));
      const before = reads;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const during = reads - before;
      // The default interval is 500 ms: about 4 reads in 2 s, whatever the number of streams.
      assert.ok(during >= 3 && during <= 5, `${during} reads in 2 s for 12 streams`);
    } finally {
      stopCounting();
      for (const s of streams) s.close();
    }
  });

  test('an unknown event is a 404 problem, not a stream', async () => {
    const res = await http(replicas[0]!.url, 'GET', '/events/7d1c7a7e-0d53-4c53-9a1c-3a6f2b7c9e10/availability/stream', {
      headers: { accept: 'text/event-stream' },
    });
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
  });
});
