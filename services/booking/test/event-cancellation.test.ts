import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startService, type RunningService } from '@ticketing/platform';
import { createBookingDefinition, holdDeps } from '../src/app.js';
import { cancelEventsBatch } from '../src/event-cancellations.js';
import { createSimulatedPaymentProvider } from '../src/payment-provider.js';
import { validateMessage } from './support.js';
import {
  assertInventoryInvariants,
  bookingEnv,
  type BookingHarness,
  consumeTopic,
  createTestTopic,
  http,
  seedEvent,
  startBookingHarness,
  testKafkaBrokers,
  testToken,
  waitUntil,
} from '@ticketing/testing';

describe('cancelling an event', () => {
  let h: BookingHarness;
  let second: RunningService | undefined;
  let topic: string;
  // The first process's provider goes down after commit: its refunds are lost with it.
  const failing = createSimulatedPaymentProvider({ latencyMs: 1 });
  failing.refund = async () => {
    throw new Error('provider unreachable');
  };
  const healthy = createSimulatedPaymentProvider({ latencyMs: 1 });

  before(async () => {
    topic = await createTestTopic(testKafkaBrokers().join(','), 'ticket-bookings-cancel');
    h = await startBookingHarness({ KAFKA_TOPIC_BOOKINGS: topic, OUTBOX_POLL_INTERVAL_MS: '100' }, { paymentProvider: failing });
  });
  after(async () => {
    await second?.stop();
    await h?.close();
  });

  test('refunds every booking and releases every hold, in bounded batches that survive a restart half-way', async () => {
    const event = await seedEvent(h.pool, { seats: 4, gaCapacity: 10 });
    const buyer = testToken('cancel-buyer', 'buyer');
    const holdOf = async (body: Record<string, unknown>) => {
      const res = await http(h.url, 'POST', '/holds', { token: buyer, body: { eventId: event.eventId, ...body } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    };
    const book = async (holdId: string) => {
      const res = await http(h.url, 'POST', `/holds/${holdId}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.reference as string;
    };
    const references = [
      await book(await holdOf({ seatIds: [event.seatIds[0]] })),
      await book(await holdOf({ seatIds: [event.seatIds[1]] })),
      await book(await holdOf({ generalAdmission: { sectionId: event.gaSectionId, quantity: 2 } })),
    ];
    const holds = [
      await holdOf({ seatIds: [event.seatIds[2], event.seatIds[3]] }),
      await holdOf({ generalAdmission: { sectionId: event.gaSectionId, quantity: 3 } }),
    ];

    // The partner cancels the event in the catalog.
    await h.pool.query(`UPDATE catalog.events SET status = 'cancelled' WHERE id = $1`, [event.eventId]);

    // The first process does one batch of 2 (bookings first), then dies before its refunds reach the provider.
    const first = await cancelEventsBatch(
      { pool: h.service.context.requirePool(), ...holdDeps(h.service.context.config), provider: failing, paymentTimeoutMs: 5000 },
      2,
    );
    assert.equal(first, 2, 'one bounded batch');
    const open = async () =>
      (
        await h.pool.query<{ n: number }>(
          `SELECT (SELECT count(*) FROM booking.holds WHERE event_id = $1 AND status = 'active')
                + (SELECT count(*) FROM booking.bookings WHERE event_id = $1 AND status = 'confirmed')
                + (SELECT count(*) FROM booking.payments p JOIN booking.holds ho ON ho.id = p.hold_id WHERE ho.event_id = $1 AND p.status = 'refund_pending') AS n`,
          [event.eventId],
        )
      ).rows[0]!.n;
    assert.equal(Number(await open()), 5 - 2 + 2, 'three left to cancel, two refunds owed but not acknowledged');

    // Another process (its sweeper running) carries on where the first stopped.
    second = await startService(
      createBookingDefinition({ paymentProvider: healthy, eventCancellationBatchSize: 2 }),
      bookingEnv(h.databaseUrl, { KAFKA_TOPIC_BOOKINGS: topic, SWEEPER_INTERVAL_MS: '100', OUTBOX_POLL_INTERVAL_MS: '100' }),
    );
    await waitUntil('every hold and booking of the event cancelled and refunded', async () => Number(await open()) === 0);

    const bookings = await h.pool.query(
      `SELECT b.reference, b.status, p.status AS payment FROM booking.bookings b JOIN booking.payments p ON p.id = b.payment_id WHERE b.event_id = $1`,
      [event.eventId],
    );
    assert.deepEqual(new Set(bookings.rows.map((r) => r.reference)), new Set(references));
    for (const row of bookings.rows) assert.deepEqual([row.status, row.payment], ['cancelled', 'refunded']);
    const paymentIds = (await h.pool.query(`SELECT payment_id FROM booking.bookings WHERE event_id = $1`, [event.eventId])).rows.map((r) => r.payment_id);
    assert.deepEqual(new Set(healthy.refunds), new Set(paymentIds), 'every payment refunded at the provider, the lost ones too');
    const ended = await h.pool.query(`SELECT status, end_reason FROM booking.holds WHERE id = ANY($1::uuid[])`, [holds]);
    assert.deepEqual(
      ended.rows.map((row) => [row.status, row.end_reason]),
      holds.map(() => ['released', 'event_cancelled']),
    );
    const inventory = await assertInventoryInvariants(h.pool, event.eventId);
    assert.deepEqual(inventory.seats, { available: 4 });
    assert.deepEqual(
      inventory.ga.map((g) => [g.held, g.sold]),
      [[0, 0]],
    );

    // Each change has its message on the topic.
    const relevant = (m: { value: { type: string; data: Record<string, unknown> } }) =>
      (m.value.type === 'booking.cancelled' || m.value.type === 'hold.released') && m.value.data.reason === 'event_cancelled';
    const messages = await consumeTopic(testKafkaBrokers(), topic, (all) => all.filter(relevant).length >= 5, 30_000);
    const cancelled = messages.filter(relevant);
    assert.deepEqual(new Set(cancelled.filter((m) => m.value.type === 'booking.cancelled').map((m) => m.value.data.bookingReference)), new Set(references));
    assert.deepEqual(new Set(cancelled.filter((m) => m.value.type === 'hold.released').map((m) => m.value.data.holdId)), new Set(holds));
    for (const message of cancelled) assert.ok(validateMessage(message.value), JSON.stringify(validateMessage.errors));
  });
});
