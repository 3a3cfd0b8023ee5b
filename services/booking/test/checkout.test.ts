import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { holdDeps } from '../src/app.js';
import { bookingReferencePattern } from '../src/booking-reference.js';
import { settlePayment, type CheckoutDeps } from '../src/checkout.js';
import { createSimulatedPaymentProvider } from '../src/payment-provider.js';
import { reconcilePayments } from '../src/reconciler.js';
import { retryPendingRefunds } from '../src/refunds.js';
import { assertInventoryInvariants, type BookingHarness, http, lapseHolds, seedEvent, startBookingHarness, testSecrets, testToken } from '@ticketing/testing';

function signed(body: unknown) {
  const raw = JSON.stringify(body);
  const signature = `sha256=${createHmac('sha256', testSecrets.PAYMENT_WEBHOOK_SECRET).update(raw).digest('hex')}`;
  return { rawBody: raw, headers: { 'content-type': 'application/json', 'x-signature': signature } };
}

describe('checkout and bookings', () => {
  let h: BookingHarness;
  const provider = createSimulatedPaymentProvider({ latencyMs: 5 });
  before(async () => {
    // The extension (120 s from checkout) would outlive the maximum lifetime (90 s from the hold's start): checkout meets the cap.
    h = await startBookingHarness(
      { PAYMENT_TIMEOUT_MS: '300', HOLD_TTL_SECONDS: '60', HOLD_CHECKOUT_EXTENSION_SECONDS: '120', HOLD_MAX_LIFETIME_SECONDS: '90' },
      { paymentProvider: provider },
    );
  });
  after(async () => h.close());

  const buyer = testToken('alice', 'buyer');
  const hold = async (eventId: string, seatIds: string[], token = buyer) => {
    const res = await http(h.url, 'POST', '/holds', { token, body: { eventId, seatIds } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const holdGa = (eventId: string, sectionId: string, quantity: number) =>
    http(h.url, 'POST', '/holds', { token: buyer, body: { eventId, generalAdmission: { sectionId, quantity } } });

  test('approved payment turns the hold into a booking with a readable reference', async () => {
    const event = await seedEvent(h.pool, { seats: 4, priceCents: 4000 });
    const held = await hold(event.eventId, event.seatIds.slice(0, 2));
    assert.deepEqual(held.amount, { cents: 8000, currency: 'EUR' });
    const paid = await http(h.url, 'POST', `/holds/${held.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
    assert.equal(paid.status, 201, JSON.stringify(paid.body));
    assert.match(paid.body.reference, new RegExp(bookingReferencePattern));
    assert.equal(paid.body.status, 'confirmed');
    const fetched = await http(h.url, 'GET', `/bookings/${paid.body.reference}`, { token: buyer });
    assert.deepEqual(fetched.body.seatIds.sort(), event.seatIds.slice(0, 2).sort());
    assert.equal((await http(h.url, 'GET', `/bookings/${paid.body.reference}`, { token: testToken('mallory', 'buyer') })).status, 404);
    const types = await h.pool.query(`SELECT type FROM booking.outbox WHERE message_key = $1 ORDER BY id`, [event.eventId]);
    assert.deepEqual(
      types.rows.map((r) => r.type),
      ['hold.created', 'hold.extended', 'booking.confirmed'],
    );
    const inventory = await assertInventoryInvariants(h.pool, event.eventId);
    assert.deepEqual(inventory.seats, { available: 2, sold: 2 });
  });

  test('a booking reference drawn twice is drawn again: the buyer gets the booking, not an error', async () => {
    const event = await seedEvent(h.pool, { seats: 2 });
    const first = await hold(event.eventId, [event.seatIds[0]!]);
    const firstPaid = await http(h.url, 'POST', `/holds/${first.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
    assert.equal(firstPaid.status, 201);
    // The next booking of this event is given the first one's reference once, as a 1-in-2^40 draw would.
    // A sequence counts the attempts: unlike a table, it is not rolled back with the attempt that failed.
    await h.pool.query(`CREATE SEQUENCE booking.reference_attempts`);
    await h.pool.query(`
      CREATE FUNCTION booking.repeat_reference() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.event_id = '${event.eventId}' AND nextval('booking.reference_attempts') = 1 THEN
          NEW.reference := '${firstPaid.body.reference}';
        END IF;
        RETURN NEW;
      END $$`);
    await h.pool.query(`CREATE TRIGGER repeat_reference BEFORE INSERT ON booking.bookings FOR EACH ROW EXECUTE FUNCTION booking.repeat_reference()`);
    try {
      const second = await hold(event.eventId, [event.seatIds[1]!]);
      const paid = await http(h.url, 'POST', `/holds/${second.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
      assert.equal(paid.status, 201, JSON.stringify(paid.body));
      assert.match(paid.body.reference, new RegExp(bookingReferencePattern));
      assert.notEqual(paid.body.reference, firstPaid.body.reference);
      const attempts = await h.pool.query(`SELECT last_value::int AS n FROM booking.reference_attempts`);
      assert.equal(attempts.rows[0].n, 2, 'the sale ran again after its reference was refused');
    } finally {
      await h.pool.query(`DROP TRIGGER repeat_reference ON booking.bookings`);
      await h.pool.query(`DROP FUNCTION booking.repeat_reference()`);
      await h.pool.query(`DROP SEQUENCE booking.reference_attempts`);
    }
    await assertInventoryInvariants(h.pool, event.eventId);
  });

  test('checkout extends the hold once, bounded by the maximum lifetime', async () => {
    const event = await seedEvent(h.pool, { seats: 1 });
    const held = await hold(event.eventId, event.seatIds);
    const declined = await http(h.url, 'POST', `/holds/${held.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_declined' } });
    assert.equal(declined.status, 402);
    assert.match(declined.body.type, /payment-declined/);
    const after = await http(h.url, 'GET', `/holds/${held.id}`, { token: buyer });
    assert.equal(after.body.status, 'released');
    assert.equal(after.body.endReason, 'payment_declined');
    const retried = await http(h.url, 'POST', `/holds/${held.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_declined' } });
    assert.equal(retried.status, 402, 'a retry (its first answer lost) gets the same outcome');
    assert.equal(retried.body.paymentId, declined.body.paymentId);
    assert.equal(after.body.extended, true);
    const seats = await h.pool.query(`SELECT status FROM booking.seat_inventory WHERE event_id = $1`, [event.eventId]);
    assert.equal(seats.rows[0].status, 'available', 'a declined payment gives the seats back');
    // A second hold: async payment keeps it, extension already used is not granted again.
    const second = await hold(event.eventId, event.seatIds);
    const first = await http(h.url, 'POST', `/holds/${second.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_async' } });
    assert.equal(first.status, 202);
    const extended = await http(h.url, 'GET', `/holds/${second.id}`, { token: buyer });
    assert.ok(new Date(extended.body.expiresAt) > new Date(second.expiresAt));
    await assertInventoryInvariants(h.pool, event.eventId); // the seats' expiry moved with the hold's
    const { config } = h.service.context;
    const lifetime = await h.pool.query(
      `SELECT extract(epoch FROM expires_at - created_at)::float8 AS seconds,
              expires_at < now() + make_interval(secs => $2) AS "shortOfTheExtension"
         FROM booking.holds WHERE id = $1`,
      [second.id, config.integer('HOLD_CHECKOUT_EXTENSION_SECONDS')],
    );
    assert.deepEqual(
      lifetime.rows[0],
      { seconds: config.integer('HOLD_MAX_LIFETIME_SECONDS'), shortOfTheExtension: true },
      'the extension stops at HOLD_MAX_LIFETIME_SECONDS after the hold began',
    );
    const stored = await h.pool.query<{ expires_at: Date }>(`SELECT expires_at FROM booking.holds WHERE id = $1`, [second.id]);
    assert.equal(extended.body.expiresAt, stored.rows[0]!.expires_at.toISOString(), 'the buyer sees the capped expiry');
    const again = await http(h.url, 'POST', `/holds/${second.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
    assert.equal(again.status, 202, 'one payment at a time: a retry attaches to the one in progress');
    assert.equal(again.body.paymentId, first.body.paymentId);
  });

  test('provider timeout releases the hold with a clear 504', async () => {
    const event = await seedEvent(h.pool, { seats: 1 });
    const held = await hold(event.eventId, event.seatIds);
    const res = await http(h.url, 'POST', `/holds/${held.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_timeout' } });
    assert.equal(res.status, 504);
    assert.match(res.body.type, /payment-timeout/);
    const view = await http(h.url, 'GET', `/holds/${held.id}`, { token: buyer });
    assert.equal(view.body.status, 'released');
    assert.equal(view.body.payment.status, 'timed_out');
  });

  test('payment approved after the hold expired, seats still free: seats re-acquired, booking confirmed', async () => {
    const event = await seedEvent(h.pool, { seats: 2 });
    const held = await hold(event.eventId, event.seatIds);
    const pending = await http(h.url, 'POST', `/holds/${held.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_async' } });
    assert.equal(pending.status, 202);
    await lapseHolds(h.pool, { holdId: held.id });
    const webhook = await http(h.url, 'POST', '/payments/webhook', signed({ paymentId: pending.body.paymentId, outcome: 'approved' }));
    assert.equal(webhook.status, 200, JSON.stringify(webhook.body));
    assert.equal(webhook.body.outcome, 'confirmed');
    assert.equal(webhook.body.booking.seatIds.length, 2);
    const confirmed = await h.pool.query(`SELECT payload FROM booking.outbox WHERE message_key = $1 AND type = 'booking.confirmed'`, [event.eventId]);
    assert.equal(confirmed.rows[0].payload.data.reacquired, true);
    // The provider repeating its callback changes nothing.
    const repeat = await http(h.url, 'POST', '/payments/webhook', signed({ paymentId: pending.body.paymentId, outcome: 'approved' }));
    assert.equal(repeat.body.booking.reference, webhook.body.booking.reference);
    await assertInventoryInvariants(h.pool, event.eventId);
  });

  test('payment approved after the hold expired, seats taken by another buyer: payment refunded', async () => {
    const event = await seedEvent(h.pool, { seats: 2 });
    const held = await hold(event.eventId, event.seatIds);
    const pending = await http(h.url, 'POST', `/holds/${held.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_async' } });
    await lapseHolds(h.pool, { holdId: held.id });
    const bob = testToken('bob', 'buyer');
    await hold(event.eventId, [event.seatIds[1]!], bob);
    const webhook = await http(h.url, 'POST', '/payments/webhook', signed({ paymentId: pending.body.paymentId, outcome: 'approved' }));
    assert.equal(webhook.status, 200);
    assert.equal(webhook.body.outcome, 'refunded');
    assert.ok(provider.refunds.includes(pending.body.paymentId), 'the provider was asked to refund');
    const payment = await h.pool.query(`SELECT status FROM booking.payments WHERE id = $1`, [pending.body.paymentId]);
    assert.equal(payment.rows[0].status, 'refunded');
    const types = await h.pool.query(`SELECT type FROM booking.outbox WHERE message_key = $1 ORDER BY id`, [event.eventId]);
    assert.ok(types.rows.map((r) => r.type).includes('payment.refunded'));
    const inventory = await assertInventoryInvariants(h.pool, event.eventId);
    assert.equal(inventory.seats.sold ?? 0, 0);
  });

  test('webhook with a wrong signature is refused', async () => {
    const res = await http(h.url, 'POST', '/payments/webhook', {
      rawBody: JSON.stringify({ paymentId: crypto.randomUUID(), outcome: 'approved' }),
      headers: { 'content-type': 'application/json', 'x-signature': 'sha256=00' },
    });
    assert.equal(res.status, 401);
  });

  test('cancelling a booking refunds it and returns the seats', async () => {
    const event = await seedEvent(h.pool, { seats: 1 });
    const held = await hold(event.eventId, event.seatIds);
    const paid = await http(h.url, 'POST', `/holds/${held.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
    const cancelled = await http(h.url, 'POST', `/bookings/${paid.body.reference}/cancel`, { token: buyer });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, 'cancelled');
    const next = await http(h.url, 'POST', '/holds', { token: testToken('carol', 'buyer'), body: { eventId: event.eventId, seatIds: event.seatIds } });
    assert.equal(next.status, 201);
    await assertInventoryInvariants(h.pool, event.eventId);
  });

  test('a cancellation sent with a key another cancellation used is refused with 422: its booking stays confirmed and nothing is refunded', async () => {
    const event = await seedEvent(h.pool, { seats: 2 });
    const book = async (seat: string) => {
      const held = await hold(event.eventId, [seat]);
      const paid = await http(h.url, 'POST', `/holds/${held.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
      assert.equal(paid.status, 201);
      return paid.body;
    };
    const [first, second] = [await book(event.seatIds[0]!), await book(event.seatIds[1]!)];
    const headers = { 'idempotency-key': `cancel-key-${event.eventId}` };
    const cancelled = await http(h.url, 'POST', `/bookings/${first.reference}/cancel`, { token: buyer, headers });
    assert.equal(cancelled.status, 200);
    const reused = await http(h.url, 'POST', `/bookings/${second.reference}/cancel`, { token: buyer, headers });
    assert.equal(reused.status, 422, JSON.stringify(reused.body));
    assert.match(reused.body.type, /idempotency-key-reused/);
    const status = await h.pool.query(
      `SELECT b.status, p.status AS payment, p.id FROM booking.bookings b JOIN booking.payments p ON p.id = b.payment_id WHERE b.reference = $1`,
      [second.reference],
    );
    assert.deepEqual([status.rows[0].status, status.rows[0].payment], ['confirmed', 'approved']);
    assert.ok(!provider.refunds.includes(status.rows[0].id), 'the rolled-back cancellation refunded nothing');
    await assertInventoryInvariants(h.pool, event.eventId);
  });

  test('general admission: book, then cancel gives the places back', async () => {
    const event = await seedEvent(h.pool, { seats: 1, gaCapacity: 3 });
    const held = await holdGa(event.eventId, event.gaSectionId, 3);
    assert.equal(held.status, 201);
    assert.deepEqual(held.body.amount, { cents: 7500, currency: 'EUR' });
    const paid = await http(h.url, 'POST', `/holds/${held.body.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
    assert.equal(paid.status, 201);
    let inventory = await assertInventoryInvariants(h.pool, event.eventId);
    assert.deepEqual(
      inventory.ga.map((g) => [g.held, g.sold]),
      [[0, 3]],
    );
    await http(h.url, 'POST', `/bookings/${paid.body.reference}/cancel`, { token: buyer });
    inventory = await assertInventoryInvariants(h.pool, event.eventId);
    assert.deepEqual(
      inventory.ga.map((g) => [g.held, g.sold]),
      [[0, 0]],
    );
  });

  test('general admission: checkout of a hold that lapsed gives its places back and answers 409 hold-expired', async () => {
    const event = await seedEvent(h.pool, { seats: 1, gaCapacity: 4 });
    const held = await holdGa(event.eventId, event.gaSectionId, 3);
    assert.equal(held.status, 201);
    await lapseHolds(h.pool, { holdId: held.body.id });
    // The first checkout transaction leaves the section's row unlocked; a lapsed hold's places go back, so it runs again with it.
    const paid = await http(h.url, 'POST', `/holds/${held.body.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
    assert.equal(paid.status, 409, JSON.stringify(paid.body));
    assert.match(paid.body.type, /hold-expired/);
    const inventory = await assertInventoryInvariants(h.pool, event.eventId);
    assert.deepEqual(
      inventory.ga.map((g) => [g.held, g.sold]),
      [[0, 0]],
    );
    const { rows } = await h.pool.query(`SELECT status, end_reason FROM booking.holds WHERE id = $1`, [held.body.id]);
    assert.deepEqual(rows[0], { status: 'expired', end_reason: 'lapsed' });
  });

  /** The service's own checkout dependencies, with the test's provider. */
  const deps = (): CheckoutDeps => ({ pool: h.service.context.requirePool(), ...holdDeps(h.service.context.config), provider, paymentTimeoutMs: 300 });

  test('general admission: a settlement that gives places back or counts them runs with the section locked first', async () => {
    const event = await seedEvent(h.pool, { seats: 1, gaCapacity: 5 });
    const places = async () => (await assertInventoryInvariants(h.pool, event.eventId)).ga.map((g) => [g.held, g.sold]);
    // Declined: the hold's places go back.
    const declined = await holdGa(event.eventId, event.gaSectionId, 2);
    const declinedPayment = await orphanPayment(declined.body.id, 'pm_card_declined', 0);
    assert.deepEqual(await settlePayment(deps(), declinedPayment, 'declined'), { kind: 'failed', paymentId: declinedPayment, status: 'declined' });
    assert.deepEqual(await places(), [[0, 0]]);
    // Approved after the hold lapsed: sold from what it still held.
    const lapsed = await holdGa(event.eventId, event.gaSectionId, 2);
    const lapsedPayment = await orphanPayment(lapsed.body.id, 'pm_card_approved', 0);
    await lapseHolds(h.pool, { holdId: lapsed.body.id });
    const late = await settlePayment(deps(), lapsedPayment, 'approved');
    assert.equal(late.kind, 'confirmed');
    assert.equal(late.kind === 'confirmed' && late.reacquired, true);
    assert.deepEqual(await places(), [[0, 2]]);
    // Approved while active: places move from held to sold, and the message is written with the sale.
    const active = await holdGa(event.eventId, event.gaSectionId, 3);
    const activePayment = await orphanPayment(active.body.id, 'pm_card_approved', 0);
    const sold = await settlePayment(deps(), activePayment, 'approved');
    assert.equal(sold.kind, 'confirmed');
    assert.deepEqual(await places(), [[0, 5]]);
    const { rows } = await h.pool.query(`SELECT payload FROM booking.outbox WHERE type = 'booking.confirmed' AND payload->'data'->>'paymentId' = $1`, [
      activePayment,
    ]);
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0].payload.data.generalAdmission, { sectionId: event.gaSectionId, quantity: 3 });
    assert.equal(rows[0].payload.data.bookingReference, sold.kind === 'confirmed' && sold.booking.reference);
  });

  test('general admission: while another transaction holds the section, a settlement that gives places back waits holding nothing; a sale waits only at its own write', async () => {
    const event = await seedEvent(h.pool, { seats: 1, gaCapacity: 5 });
    const blocker = await h.pool.connect();
    /** Runs `settle` while `blocker` holds the section's row (as the sweeper or a release does); what the settlement's session did while it waited, and its outcome. */
    const settleWhileLocked = async <T>(settle: () => Promise<T>) => {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM booking.ga_inventory WHERE event_id = $1 AND section_id = $2 FOR UPDATE', [event.eventId, event.gaSectionId]);
      const { rows: self } = await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const settling = settle();
      let waiter: { xid: string | null; query: string } | undefined;
      // Well inside the lock timeout (2 s): the blocker lets go before the settlement would give up.
      for (let i = 0; i < 50 && !waiter; i++) {
        const { rows } = await h.pool.query<{ xid: string | null; query: string }>(
          'SELECT backend_xid::text AS xid, query FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
          [self[0]!.pid],
        );
        waiter = rows[0];
        if (!waiter) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await blocker.query('COMMIT');
      return { waiter, outcome: await settling };
    };
    try {
      // Declined: it must lock the section before its hold (the order every writer keeps), so it waits with no row locked (no transaction id yet).
      const declined = await holdGa(event.eventId, event.gaSectionId, 2);
      const declinedPayment = await orphanPayment(declined.body.id, 'pm_card_declined', 0);
      const giveBack = await settleWhileLocked(() => settlePayment(deps(), declinedPayment, 'declined'));
      assert.ok(giveBack.waiter, 'the settlement waited for the section');
      assert.equal(giveBack.waiter.xid, null, `it held a lock while it waited, in: ${giveBack.waiter.query}`);
      assert.deepEqual(giveBack.outcome, { kind: 'failed', paymentId: declinedPayment, status: 'declined' });
      // Approved while active: the hold is locked first; the section only by the sale's own statement, just before COMMIT.
      const active = await holdGa(event.eventId, event.gaSectionId, 3);
      const activePayment = await orphanPayment(active.body.id, 'pm_card_approved', 0);
      const sale = await settleWhileLocked(() => settlePayment(deps(), activePayment, 'approved'));
      assert.ok(sale.waiter, 'the sale waited for the section');
      assert.match(sale.waiter.query, /INSERT INTO booking\.bookings/);
      assert.equal(sale.outcome.kind, 'confirmed');
      assert.deepEqual(
        (await assertInventoryInvariants(h.pool, event.eventId)).ga.map((g) => [g.held, g.sold]),
        [[0, 3]],
      );
    } finally {
      blocker.release();
    }
  });

  test('general admission in slices: a late approval re-acquires places spread over two slices, and its cancellation returns them to its slice', async () => {
    const event = await seedEvent(h.pool, { seats: 1, gaCapacity: 100 }); // two slices of 50
    const sliceOf = async (holdId: string) => (await h.pool.query('SELECT ga_slice FROM booking.holds WHERE id = $1', [holdId])).rows[0].ga_slice;
    const slices = async () =>
      (await h.pool.query('SELECT capacity, held, sold FROM booking.ga_inventory WHERE event_id = $1 ORDER BY slice', [event.eventId])).rows.map((r) => [
        r.capacity,
        r.held,
        r.sold,
      ]);
    const late = await holdGa(event.eventId, event.gaSectionId, 10);
    const latePayment = await orphanPayment(late.body.id, 'pm_card_approved', 0);
    const fives: { id: string; slice: number }[] = [];
    for (let i = 0; i < 18; i++) {
      const held = await holdGa(event.eventId, event.gaSectionId, 5);
      assert.equal(held.status, 201, JSON.stringify(held.body));
      fives.push({ id: held.body.id, slice: await sliceOf(held.body.id) });
    }
    assert.deepEqual((await assertInventoryInvariants(h.pool, event.eventId)).ga, [{ capacity: 100, held: 100, sold: 0 }]);
    // The hold of 10 lapses; the next buyer's request reclaims its places (in its slice) and takes 5 of them.
    await lapseHolds(h.pool, { holdId: late.body.id });
    const next = await holdGa(event.eventId, event.gaSectionId, 5);
    assert.equal(next.status, 201, JSON.stringify(next.body));
    const lateSlice = await sliceOf(late.body.id);
    assert.equal(await sliceOf(next.body.id), lateSlice);
    // 5 more free in the other slice: 10 free in all, but in no slice alone.
    const other = fives.find((f) => f.slice !== lateSlice)!;
    assert.equal((await http(h.url, 'DELETE', `/holds/${other.id}`, { token: buyer })).status, 200);
    const settled = await settlePayment(deps(), latePayment, 'approved');
    assert.equal(settled.kind, 'confirmed');
    assert.equal(settled.kind === 'confirmed' && settled.reacquired, true);
    assert.deepEqual((await assertInventoryInvariants(h.pool, event.eventId)).ga, [{ capacity: 100, held: 90, sold: 10 }]);
    // Capacity moved to the slice the places were sold from; every slice is full.
    const [a, b] = await slices();
    assert.equal(a![0] + b![0], 100);
    for (const [capacity, held, sold] of [a!, b!]) assert.equal(held + sold, capacity);
    // Cancelled: the 10 places go back to that slice, where a hold of 10 then fits.
    assert.equal(settled.kind === 'confirmed' && (await http(h.url, 'POST', `/bookings/${settled.booking.reference}/cancel`, { token: buyer })).status, 200);
    assert.deepEqual((await assertInventoryInvariants(h.pool, event.eventId)).ga, [{ capacity: 100, held: 90, sold: 0 }]);
    assert.equal((await holdGa(event.eventId, event.gaSectionId, 10)).status, 201);
    assert.deepEqual((await assertInventoryInvariants(h.pool, event.eventId)).ga, [{ capacity: 100, held: 100, sold: 0 }]);
  });

  /** Writes a pending payment as a checkout killed right after its first transaction leaves it, `ageSeconds` old. */
  async function orphanPayment(holdId: string, method: string, ageSeconds = 3600): Promise<string> {
    const id = crypto.randomUUID();
    await h.pool.query(
      `INSERT INTO booking.payments (id, hold_id, amount_cents, currency, method, status, created_at, updated_at)
       SELECT $1, id, amount_cents, currency, $2, 'pending', now() - make_interval(secs => $3), now() - make_interval(secs => $3) FROM booking.holds WHERE id = $4`,
      [id, method, ageSeconds, holdId],
    );
    return id;
  }

  test('interrupted checkout, provider never saw the payment: the retry resolves it as not charged instead of 409', async () => {
    const event = await seedEvent(h.pool, { seats: 1 });
    const held = await hold(event.eventId, event.seatIds);
    const paymentId = await orphanPayment(held.id, 'pm_card_approved');
    const retry = await http(h.url, 'POST', `/holds/${held.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
    assert.equal(retry.status, 504, JSON.stringify(retry.body));
    assert.equal(retry.body.paymentId, paymentId);
    const view = await http(h.url, 'GET', `/holds/${held.id}`, { token: buyer });
    assert.equal(view.body.status, 'released');
    assert.equal(view.body.payment.status, 'timed_out');
    await assertInventoryInvariants(h.pool, event.eventId);
  });

  test('interrupted checkout, provider charged: the reconciler confirms the booking', async () => {
    const event = await seedEvent(h.pool, { seats: 1 });
    const held = await hold(event.eventId, event.seatIds);
    const paymentId = await orphanPayment(held.id, 'pm_card_approved');
    assert.equal(await provider.charge({ paymentId, amountCents: held.amount.cents, currency: 'EUR', method: 'pm_card_approved' }, 300), 'approved');
    assert.equal(await reconcilePayments(deps()), 1);
    const view = await http(h.url, 'GET', `/holds/${held.id}`, { token: buyer });
    assert.equal(view.body.status, 'converted');
    assert.match(view.body.bookingReference, /^BK-/);
    const retry = await http(h.url, 'POST', `/holds/${held.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
    assert.equal(retry.status, 201, 'a retried checkout answers the booking it made');
    assert.equal(retry.body.reference, view.body.bookingReference);
    await assertInventoryInvariants(h.pool, event.eventId);
  });

  test('a stale pending payment the provider never saw no longer blocks releasing the hold', async () => {
    const event = await seedEvent(h.pool, { seats: 1 });
    const held = await hold(event.eventId, event.seatIds);
    await orphanPayment(held.id, 'pm_card_approved');
    const release = await http(h.url, 'DELETE', `/holds/${held.id}`, { token: buyer });
    assert.equal(release.status, 200, JSON.stringify(release.body));
    assert.equal(release.body.status, 'released');
    await assertInventoryInvariants(h.pool, event.eventId);
  });

  test('async payments awaiting a webhook are reconciled only once final at the provider, or past the hold lifetime', async () => {
    const event = await seedEvent(h.pool, { seats: 2 });
    const first = await hold(event.eventId, [event.seatIds[0]!]);
    const second = await hold(event.eventId, [event.seatIds[1]!]);
    const a = await http(h.url, 'POST', `/holds/${first.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_async' } });
    const b = await http(h.url, 'POST', `/holds/${second.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_async' } });
    const age = () =>
      h.pool.query(`UPDATE booking.payments SET updated_at = now() - interval '1 hour' WHERE id = ANY($1::uuid[])`, [[a.body.paymentId, b.body.paymentId]]);
    await age();
    assert.equal(await reconcilePayments(deps()), 0, 'still pending at the provider: left for the webhook');
    const requeued = await h.pool.query(`SELECT bool_and(updated_at > now() - interval '1 minute') AS ok FROM booking.payments WHERE id = ANY($1::uuid[])`, [
      [a.body.paymentId, b.body.paymentId],
    ]);
    assert.equal(requeued.rows[0].ok, true, 'looked up, then to the back of the queue so many async payments take turns');
    await age();
    provider.complete(a.body.paymentId, 'approved');
    // The second hold is past its maximum lifetime: no webhook is awaited any longer.
    await h.pool.query(`UPDATE booking.holds SET created_at = now() - interval '2 hours' WHERE id = $1`, [second.id]);
    assert.equal(await reconcilePayments(deps()), 2);
    const payments = await h.pool.query(`SELECT id, status FROM booking.payments WHERE id = ANY($1::uuid[])`, [[a.body.paymentId, b.body.paymentId]]);
    const status = Object.fromEntries(payments.rows.map((r) => [r.id, r.status]));
    assert.equal(status[a.body.paymentId], 'approved');
    assert.equal(status[b.body.paymentId], 'timed_out');
    await assertInventoryInvariants(h.pool, event.eventId);
  });

  /**
   * A hold on a new one-seat event checked out with an Idempotency-Key while recording that key as done
   * fails as a full disk would (SQLSTATE 53100); then `retry` sends the same checkout again.
   */
  async function checkoutWhileKeyRecordsFail(paymentMethod: string) {
    const event = await seedEvent(h.pool, { seats: 1 });
    const held = await hold(event.eventId, event.seatIds);
    const headers = { 'idempotency-key': `store-fails-${held.id}` };
    const retry = () => http(h.url, 'POST', `/holds/${held.id}/checkout`, { token: buyer, headers, body: { paymentMethod } });
    await h.pool.query(`CREATE OR REPLACE FUNCTION booking.fail_store() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.key LIKE 'store-fails-%' AND NEW.status = 'done' THEN RAISE EXCEPTION 'store refused' USING ERRCODE = '53100'; END IF; RETURN NEW; END $$`);
    await h.pool.query(`CREATE TRIGGER fail_store BEFORE INSERT OR UPDATE ON booking.idempotency_keys FOR EACH ROW EXECUTE FUNCTION booking.fail_store()`);
    try {
      return { event, held, first: await retry(), retry };
    } finally {
      await h.pool.query(`DROP TRIGGER fail_store ON booking.idempotency_keys`);
    }
  }

  test('a sale and its idempotency record commit together: when the record fails, 503 and nothing is sold; the retry with the key books it', async () => {
    const { event, held, first, retry: again } = await checkoutWhileKeyRecordsFail('pm_card_approved');
    assert.equal(first.status, 503, JSON.stringify(first.body));
    assert.ok(first.headers.get('retry-after'));
    const sold = await h.pool.query(`SELECT count(*)::int AS n FROM booking.bookings WHERE hold_id = $1`, [held.id]);
    assert.equal(sold.rows[0].n, 0, 'the sale rolled back with its record');
    const retry = await again();
    assert.equal(retry.status, 201, JSON.stringify(retry.body));
    const bookings = await h.pool.query(`SELECT count(*)::int AS n FROM booking.bookings WHERE hold_id = $1`, [held.id]);
    assert.equal(bookings.rows[0].n, 1);
    const replayed = await again();
    assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
    assert.equal(replayed.body.reference, retry.body.reference);
    await assertInventoryInvariants(h.pool, event.eventId);
  });

  test('an answer recorded after the checkout (payment still pending) that cannot be recorded still stands, and the key is freed for the retry', async () => {
    const { first, retry: again } = await checkoutWhileKeyRecordsFail('pm_card_async');
    assert.equal(first.status, 202, JSON.stringify(first.body));
    const retry = await again();
    assert.equal(retry.status, 202, 'attached to the same payment, not 409 in flight');
    assert.equal(retry.body.paymentId, first.body.paymentId);
  });

  test('an approval arriving for a cancelled event is refunded, and a new checkout is refused', async () => {
    const event = await seedEvent(h.pool, { seats: 2 });
    const held = await hold(event.eventId, [event.seatIds[0]!]);
    const other = await hold(event.eventId, [event.seatIds[1]!]);
    const pending = await http(h.url, 'POST', `/holds/${held.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_async' } });
    assert.equal(pending.status, 202);
    await h.pool.query(`UPDATE catalog.events SET status = 'cancelled' WHERE id = $1`, [event.eventId]);
    const webhook = await http(h.url, 'POST', '/payments/webhook', signed({ paymentId: pending.body.paymentId, outcome: 'approved' }));
    assert.equal(webhook.status, 200);
    assert.equal(webhook.body.outcome, 'refunded', 'nothing is sold for a cancelled event');
    assert.ok(provider.refunds.includes(pending.body.paymentId));
    const payment = await h.pool.query(`SELECT status FROM booking.payments WHERE id = $1`, [pending.body.paymentId]);
    assert.equal(payment.rows[0].status, 'refunded');
    const refused = await http(h.url, 'POST', `/holds/${other.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
    assert.equal(refused.status, 409);
    assert.match(refused.body.type, /event-cancelled/);
    // The refused checkout changed nothing: no payment, no extension, no message.
    const payments = await h.pool.query(`SELECT count(*)::int AS n FROM booking.payments WHERE hold_id = $1`, [other.id]);
    assert.equal(payments.rows[0].n, 0);
    const otherHold = await h.pool.query(`SELECT extended_at FROM booking.holds WHERE id = $1`, [other.id]);
    assert.equal(otherHold.rows[0].extended_at, null);
    const extendedMessages = await h.pool.query(
      `SELECT count(*)::int AS n FROM booking.outbox WHERE type = 'hold.extended' AND payload->'data'->>'holdId' = $1`,
      [other.id],
    );
    assert.equal(extendedMessages.rows[0].n, 0);
    const inventory = await assertInventoryInvariants(h.pool, event.eventId);
    assert.equal(inventory.seats.sold ?? 0, 0);
  });

  test('general admission: an approval arriving for a cancelled event is refunded and its places go back', async () => {
    const event = await seedEvent(h.pool, { seats: 1, gaCapacity: 4 });
    const held = await holdGa(event.eventId, event.gaSectionId, 3);
    assert.equal(held.status, 201);
    const pending = await http(h.url, 'POST', `/holds/${held.body.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_async' } });
    assert.equal(pending.status, 202);
    await h.pool.query(`UPDATE catalog.events SET status = 'cancelled' WHERE id = $1`, [event.eventId]);
    const webhook = await http(h.url, 'POST', '/payments/webhook', signed({ paymentId: pending.body.paymentId, outcome: 'approved' }));
    assert.equal(webhook.status, 200);
    assert.equal(webhook.body.outcome, 'refunded');
    const ended = await h.pool.query(`SELECT status, end_reason FROM booking.holds WHERE id = $1`, [held.body.id]);
    assert.deepEqual(ended.rows[0], { status: 'released', end_reason: 'event_cancelled' });
    const bookings = await h.pool.query(`SELECT count(*)::int AS n FROM booking.bookings WHERE hold_id = $1`, [held.body.id]);
    assert.equal(bookings.rows[0].n, 0, 'no booking, no seat or place sold');
    const inventory = await assertInventoryInvariants(h.pool, event.eventId);
    assert.deepEqual(
      inventory.ga.map((g) => [g.held, g.sold]),
      [[0, 0]],
    );
  });

  test('a refund the provider does not acknowledge stays owed and is retried by the sweeper', async () => {
    const event = await seedEvent(h.pool, { seats: 1 });
    const held = await hold(event.eventId, event.seatIds);
    const paid = await http(h.url, 'POST', `/holds/${held.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
    const refund = provider.refund;
    provider.refund = async () => {
      throw new Error('provider unreachable');
    };
    let cancelled;
    try {
      cancelled = await http(h.url, 'POST', `/bookings/${paid.body.reference}/cancel`, { token: buyer });
    } finally {
      provider.refund = refund;
    }
    assert.equal(cancelled.status, 200, 'the cancellation committed; the refund is owed, not lost');
    const paymentOf = async () =>
      (
        await h.pool.query(`SELECT p.id, p.status FROM booking.payments p JOIN booking.bookings b ON b.payment_id = p.id WHERE b.reference = $1`, [
          paid.body.reference,
        ])
      ).rows[0];
    assert.equal((await paymentOf()).status, 'refund_pending');
    assert.equal(await retryPendingRefunds(h.service.context.requirePool(), provider), 1);
    const payment = await paymentOf();
    assert.equal(payment.status, 'refunded');
    assert.ok(provider.refunds.includes(payment.id));
  });
});
