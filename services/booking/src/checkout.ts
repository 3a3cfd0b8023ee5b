import { randomUUID } from 'node:crypto';
import { problems, withTransaction, type Pool, type Tx } from '@ticketing/platform';
import { newBookingReference } from './booking-reference.js';
import { viewBooking, type BookingRow, type BookingView } from './bookings.js';
import { endHold, holdData, loadHoldView, lockHold, type HoldDeps, type HoldPlaces, type HoldView, type LockedHold } from './holds.js';
import { eventCancelledSql, eventIsCancelled } from './catalog-reader.js';
import { generalAdmissionOf, holdGaPlaces, placesLeft, seatIsFree, sliceWithRoom } from './inventory.js';
import { isoTimestamp, outboxInsertFrom, type Outbox } from './messages.js';
import { PaymentTimeoutError, type PaymentProvider } from './payment-provider.js';
import { completeRefunds, markRefundPending } from './refunds.js';
import { named } from './statements.js';

export interface PaymentRow {
  id: string;
  hold_id: string;
  amount_cents: number;
  currency: string;
  method: string;
  status: 'pending' | 'approved' | 'declined' | 'timed_out' | 'refund_pending' | 'refunded';
}

/** Why an approved payment was refunded; `refunded_earlier`: a repeated verdict found the refund already decided. */
export type RefundReason = 'seats_lost' | 'event_cancelled' | 'refunded_earlier';

/** How a payment ended up, for the HTTP layer. */
export type Settlement =
  | { kind: 'confirmed'; booking: BookingView; reacquired: boolean }
  | { kind: 'refunded'; paymentId: string; reason: RefundReason }
  | { kind: 'failed'; paymentId: string; status: 'declined' | 'timed_out' }
  | { kind: 'pending'; paymentId: string };

export interface CheckoutDeps extends HoldDeps {
  pool: Pool;
  provider: PaymentProvider;
  paymentTimeoutMs: number;
}

/**
 * A pending payment whose checkout would have settled it by now (its provider
 * call is bounded by paymentTimeoutMs; the margin covers its own transactions)
 * was abandoned: its process died or its settle transaction failed.
 */
const abandonMarginSeconds = 10;
export const abandonedAfterSeconds = (deps: CheckoutDeps) => deps.paymentTimeoutMs / 1000 + abandonMarginSeconds;

/** The hold's payment in progress, if any. */
export async function pendingPaymentOf(db: Pool | Tx, holdId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(named('pending-payment-of', `SELECT id FROM booking.payments WHERE hold_id = $1 AND status = 'pending'`), [
    holdId,
  ]);
  return rows[0]?.id;
}

/** The first transaction of a checkout: the hold checked and extended, a pending payment recorded. */
async function startCheckout(deps: CheckoutDeps, tx: Tx, holdId: string, buyerId: string, method: string, lock: { gaSection?: boolean }) {
  const locked = await lockHold(tx, holdId, lock);
  if (!locked || locked.hold.buyer_id !== buyerId) throw problems.notFound(`hold ${holdId}`);
  const { hold } = locked;
  // The first attempt's answer may have been lost: a retry gets it again.
  if (hold.status === 'converted') {
    const booking = await tx.query<BookingRow>(named('checkout', 'SELECT * FROM booking.bookings WHERE hold_id = $1'), [holdId]);
    if (booking.rows[0]) return { kind: 'booked' as const, booking: await viewBooking(tx, booking.rows[0]) };
  }
  if (hold.status === 'released' && (hold.end_reason === 'payment_declined' || hold.end_reason === 'payment_timeout')) {
    const failed = await tx.query<{ id: string; status: 'declined' | 'timed_out' }>(
      named(
        'checkout-2',
        `SELECT id, status FROM booking.payments WHERE hold_id = $1 AND status IN ('declined', 'timed_out') ORDER BY updated_at DESC LIMIT 1`,
      ),
      [holdId],
    );
    if (failed.rows[0]) return { kind: 'failed' as const, paymentId: failed.rows[0].id, status: failed.rows[0].status };
  }
  if (hold.status !== 'active') {
    throw problems.conflict('hold-not-active', 'Hold is not active', `hold ${holdId} is ${hold.status}`, { holdStatus: hold.status });
  }
  if (hold.lapsed) {
    const pending = await pendingPaymentOf(tx, holdId);
    if (pending) return { kind: 'attach' as const, id: pending };
    if (await eventIsCancelled(tx, hold.event_id)) throw eventCancelled(hold.event_id);
    if (hold.ga_section_id && !locked.ga) return { kind: 'needs-ga-section' as const };
    // Record the expiry now (the buyer learns of it); refused after commit.
    await endHold(tx, deps.outbox, locked, 'expired', 'lapsed');
    return { kind: 'expired' as const };
  }
  const started = await startPayment(deps, tx, locked, method);
  if (started.pendingId) return { kind: 'attach' as const, id: started.pendingId };
  if (started.cancelled) throw eventCancelled(hold.event_id);
  return { kind: 'charge' as const, id: started.paymentId, amountCents: hold.amount_cents, currency: hold.currency, hold: placesOf(hold) };
}

const placesOf = (hold: LockedHold['hold']): KnownHold => ({ hold_id: hold.id, event_id: hold.event_id, ga_section_id: hold.ga_section_id });

const eventCancelled = (eventId: string) =>
  problems.conflict('event-cancelled', 'Event is cancelled', `event ${eventId} was cancelled; its holds are being released`);

/**
 * For a locked, active hold, in one round trip: unless a payment for it is
 * already in progress or its event was cancelled (then nothing is written and
 * the caller answers from `pendingId` / `cancelled`), grants the hold its one
 * checkout extension (it lives until checkout could finish, never beyond its
 * maximum lifetime; with its seats and its `hold.extended` message) and
 * records a pending payment. The hold's lock keeps another checkout from
 * starting a payment between the check and the insert.
 */
async function startPayment(
  { settings, outbox }: CheckoutDeps,
  tx: Tx,
  locked: LockedHold,
  method: string,
): Promise<{ pendingId?: string; cancelled: boolean; paymentId: string }> {
  const { hold } = locked;
  const paymentId = randomUUID();
  const extend = !hold.extended_at && settings.checkoutExtensionSeconds > 0;
  const extended = outbox.compose(
    'hold.extended',
    hold.event_id,
    holdData(
      hold,
      locked.seats.map((seat) => seat.seat_id),
    ),
  );
  const { rows } = await tx.query<{ pending_id: string | null; cancelled: boolean; expires_at: Date | null }>(
    named(
      'start-payment',
      `WITH pending AS (
         SELECT id FROM booking.payments WHERE hold_id = $1 AND status = 'pending' LIMIT 1
       ), cancelled AS (
         SELECT ${eventCancelledSql('$2')} AS yes
       ), go AS (
         SELECT NOT EXISTS (SELECT FROM pending) AND NOT (SELECT yes FROM cancelled) AS yes
       ), extended AS (
         UPDATE booking.holds
            SET extended_at = now(),
                expires_at = GREATEST(expires_at, LEAST(now() + make_interval(secs => $3), created_at + make_interval(secs => $4)))
          WHERE id = $1 AND $5 AND (SELECT yes FROM go)
         RETURNING expires_at
       ), seats AS (
         UPDATE booking.seat_inventory si SET held_until = extended.expires_at FROM extended WHERE si.hold_id = $1 AND si.status = 'held'
       ), message AS (
         ${outboxInsertFrom(10, 'extended', { expiresAt: isoTimestamp('extended.expires_at') })}
       ), payment AS (
         INSERT INTO booking.payments (id, hold_id, amount_cents, currency, method, status)
         SELECT $6, $1, $7, $8, $9, 'pending' WHERE (SELECT yes FROM go)
       )
       SELECT (SELECT id FROM pending) AS pending_id, (SELECT yes FROM cancelled) AS cancelled, (SELECT expires_at FROM extended) AS expires_at`,
    ),
    [
      hold.id,
      hold.event_id,
      settings.checkoutExtensionSeconds,
      settings.maxLifetimeSeconds,
      extend,
      paymentId,
      hold.amount_cents,
      hold.currency,
      method,
      ...extended.values,
    ],
  );
  const row = rows[0]!;
  if (row.expires_at) {
    hold.expires_at = row.expires_at;
    hold.extended_at = new Date();
  }
  return { ...(row.pending_id ? { pendingId: row.pending_id } : {}), cancelled: row.cancelled, paymentId };
}

/**
 * Checkout: extends the hold once, records a pending payment, asks the
 * provider, then settles. The provider call happens outside any transaction
 * so no row lock is held while waiting on a third party.
 * A retry finds what the first attempt did: a booking is answered again, a
 * payment in progress is attached to (its outcome, or 202 while unknown).
 */
export async function checkout(deps: CheckoutDeps, holdId: string, buyerId: string, method: string, hooks: CheckoutHooks = {}): Promise<Settlement> {
  // Extending a GA hold and recording its payment change no places, so the section's row (which
  // every booking of the section queues on) is not locked; only a lapsed hold, whose places go
  // back, needs it: then the transaction runs again with it, in the standard lock order.
  let payment = await withTransaction(deps.pool, async (tx) => {
    await hooks.inFirstTransaction?.(tx);
    return startCheckout(deps, tx, holdId, buyerId, method, { gaSection: false });
  });
  if (payment.kind === 'needs-ga-section') payment = await withTransaction(deps.pool, (tx) => startCheckout(deps, tx, holdId, buyerId, method, {}));
  switch (payment.kind) {
    case 'booked':
      return { kind: 'confirmed', booking: payment.booking, reacquired: false };
    case 'failed':
      return payment;
    case 'attach':
      return resolvePendingPayment(deps, payment.id);
    case 'expired':
      throw problems.conflict('hold-expired', 'Hold expired', `hold ${holdId} expired before checkout started; hold the seats again`);
    case 'needs-ga-section':
      throw new Error('checkout asked for the GA section lock it already held'); // cannot happen: the second run locks it
  }

  let outcome: 'approved' | 'declined' | 'pending' | 'timed_out';
  try {
    outcome = await deps.provider.charge(
      { paymentId: payment.id, amountCents: payment.amountCents, currency: payment.currency, method },
      deps.paymentTimeoutMs,
    );
  } catch (error) {
    if (!(error instanceof PaymentTimeoutError)) throw error;
    outcome = 'timed_out';
  }
  if (outcome === 'pending') return { kind: 'pending', paymentId: payment.id };
  return settlePayment(deps, payment.id, outcome, payment.hold, hooks.inSettlement);
}

/** Work of the caller's that commits with checkout's own transactions (the HTTP layer's Idempotency-Key). */
export interface CheckoutHooks {
  /** Runs first in checkout's first transaction. */
  inFirstTransaction?(tx: Tx): Promise<void>;
  /** Runs last in the transaction that settles the payment, with its settlement (again if that transaction runs again). */
  inSettlement?(tx: Tx, settlement: Settlement): Promise<void>;
}

/**
 * Settles a pending payment from what the provider says of it, when that is
 * final; used by a retried checkout, a release and the reconciler.
 *  - approved / declined at the provider → settled as such;
 *  - unknown to the provider and abandoned → never charged: failed (timed out);
 *  - pending at the provider (async, awaiting its webhook) → left pending,
 *    unless abandoned and its hold is past its maximum lifetime: then failed
 *    (a later approval is handled as a late one: re-acquired or refunded).
 * Anything else stays pending: 202 with the payment id.
 */
export async function resolvePendingPayment(deps: CheckoutDeps, paymentId: string): Promise<Settlement> {
  const { rows } = await deps.pool.query<{ status: PaymentRow['status']; abandoned: boolean; outlived: boolean }>(
    named(
      'resolve-pending-payment',
      `SELECT p.status, p.updated_at <= now() - make_interval(secs => $2) AS abandoned,
            h.created_at + make_interval(secs => $3) <= now() AS outlived
       FROM booking.payments p JOIN booking.holds h ON h.id = p.hold_id WHERE p.id = $1`,
    ),
    [paymentId, abandonedAfterSeconds(deps), deps.settings.maxLifetimeSeconds],
  );
  const row = rows[0];
  if (!row) throw problems.notFound(`payment ${paymentId}`);
  // Settled meanwhile: a non-approving verdict only reads the earlier settlement back.
  if (row.status !== 'pending') return settlePayment(deps, paymentId, 'timed_out');
  const status = await deps.provider.status(paymentId).catch(() => undefined);
  if (status === 'approved' || status === 'declined') return settlePayment(deps, paymentId, status);
  if (row.abandoned && (status === 'not_found' || (status === 'pending' && row.outlived))) return settlePayment(deps, paymentId, 'timed_out');
  if (row.abandoned) {
    // Looked up and still open: to the back of the reconciler's queue, so many async payments take turns.
    await deps.pool.query(named('resolve-pending-payment-2', `UPDATE booking.payments SET updated_at = now() WHERE id = $1 AND status = 'pending'`), [
      paymentId,
    ]);
  }
  return { kind: 'pending', paymentId };
}

/** Releases a buyer's hold; refused while a payment for it is in progress. */
export async function releaseHold(tx: Tx, outbox: Outbox, holdId: string, buyerId: string): Promise<HoldView> {
  const locked = await lockHold(tx, holdId);
  if (!locked || locked.hold.buyer_id !== buyerId) throw problems.notFound(`hold ${holdId}`);
  if (await pendingPaymentOf(tx, holdId)) {
    throw problems.conflict('payment-in-progress', 'Payment in progress', 'wait for the payment outcome before releasing this hold');
  }
  await endHold(tx, outbox, locked, locked.hold.lapsed ? 'expired' : 'released', locked.hold.lapsed ? 'lapsed' : 'released_by_buyer');
  return loadHoldView(tx, locked.hold);
}

/** Before a buyer's release: settles their hold's payment if its outcome is known or its checkout was abandoned, so it does not block for ever. */
export async function resolveAbandonedPaymentOf(deps: CheckoutDeps, holdId: string, buyerId: string): Promise<void> {
  const hold = await deps.pool.query(named('resolve-abandoned-payment-of', 'SELECT 1 FROM booking.holds WHERE id = $1 AND buyer_id = $2'), [holdId, buyerId]);
  const pending = hold.rowCount ? await pendingPaymentOf(deps.pool, holdId) : undefined;
  if (pending) await resolvePendingPayment(deps, pending);
}

/**
 * Applies a provider's verdict to a payment; used by checkout and by the
 * provider's webhook, so a late or repeated verdict is handled the same way.
 *  - approved, hold still ours (or its seats still free) → booking confirmed;
 *  - approved, seats gone → payment refunded;
 *  - declined / timed out → hold released.
 * Idempotent: a verdict for a settled payment returns the earlier settlement.
 */
export async function settlePayment(
  deps: CheckoutDeps,
  paymentId: string,
  verdict: 'approved' | 'declined' | 'timed_out',
  /** The payment's hold, when the caller knows it (checkout does): not looked up again. */
  known?: KnownHold,
  inSettlement?: CheckoutHooks['inSettlement'],
): Promise<Settlement> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await settleInLockOrder(deps, paymentId, verdict, known, inSettlement);
    } catch (error) {
      // The new booking's reference was drawn before (40 random bits: rare, but certain over millions of sales): draw again.
      if (attempt < 3 && isReferenceTaken(error)) continue;
      throw error;
    }
  }
}

/** A payment's hold and where its places are: what a settlement must know before it locks them. */
type KnownHold = HoldPlaces & { hold_id: string };

async function settleInLockOrder(
  deps: CheckoutDeps,
  paymentId: string,
  verdict: 'approved' | 'declined' | 'timed_out',
  known: KnownHold | undefined,
  inSettlement: CheckoutHooks['inSettlement'],
): Promise<Settlement> {
  try {
    return await settleOnce(deps, paymentId, verdict, { gaSection: false }, known, inSettlement);
  } catch (error) {
    if (!(error instanceof NeedsSectionLock)) throw error;
    return settleOnce(deps, paymentId, verdict, {}, known, inSettlement);
  }
}

const isReferenceTaken = (error: unknown) =>
  (error as { code?: string }).code === '23505' && (error as { constraint?: string }).constraint === 'bookings_reference_key';

/**
 * Thrown (rolling the transaction back before it wrote anything) when a GA settlement locked
 * without its section's row must give places back or count them: it runs again with the row
 * locked first, in the standard lock order.
 */
class NeedsSectionLock extends Error {}

/**
 * One settlement transaction. The approval of an active GA hold only moves its places from held
 * to sold, so its section's row (which every hold and sale of the section queues on) is first
 * locked by the sale's own write, just before COMMIT; the rarer outcomes need it locked first.
 */
async function settleOnce(
  deps: CheckoutDeps,
  paymentId: string,
  verdict: 'approved' | 'declined' | 'timed_out',
  lock: { gaSection?: boolean },
  known: KnownHold | undefined,
  inSettlement: CheckoutHooks['inSettlement'],
): Promise<Settlement> {
  // `refundDecided`: this transaction decided the refund, so the provider is asked after commit.
  const decide = async (tx: Tx): Promise<{ settlement: Settlement; refundDecided: boolean }> => {
    const settled = (settlement: Settlement) => ({ settlement, refundDecided: false });
    const found =
      known ??
      (
        await tx.query<KnownHold>(
          named('settled', 'SELECT p.hold_id, h.event_id, h.ga_section_id FROM booking.payments p JOIN booking.holds h ON h.id = p.hold_id WHERE p.id = $1'),
          [paymentId],
        )
      ).rows[0];
    if (!found) throw problems.notFound(`payment ${paymentId}`);
    const locked = (await lockHold(tx, found.hold_id, { ...lock, known: found }))!;
    const { rows } = await tx.query<PaymentRow>(named('locked', 'SELECT * FROM booking.payments WHERE id = $1 FOR UPDATE'), [paymentId]);
    const payment = rows[0]!;

    if (payment.status === 'approved') {
      const booking = await tx.query<BookingRow>(named('locked-2', 'SELECT * FROM booking.bookings WHERE payment_id = $1'), [paymentId]);
      return settled({ kind: 'confirmed', booking: await viewBooking(tx, booking.rows[0]!), reacquired: false });
    }
    if (payment.status === 'refunded' || payment.status === 'refund_pending') return settled({ kind: 'refunded', paymentId, reason: 'refunded_earlier' });

    const { hold } = locked;
    const withoutSection = hold.ga_section_id !== null && !locked.ga;
    if (verdict !== 'approved') {
      // A late decline/timeout for a payment already failed changes nothing.
      if (payment.status !== 'pending') return settled({ kind: 'failed', paymentId, status: payment.status as 'declined' | 'timed_out' });
      if (withoutSection && hold.status === 'active') throw new NeedsSectionLock();
      await tx.query(named('locked-3', 'UPDATE booking.payments SET status = $2, updated_at = now() WHERE id = $1'), [paymentId, verdict]);
      await endHold(tx, deps.outbox, locked, 'released', verdict === 'declined' ? 'payment_declined' : 'payment_timeout');
      return settled({ kind: 'failed', paymentId, status: verdict });
    }
    // Approved: pending, or a late approval after we gave up (declined/timed_out).
    if (withoutSection && (hold.status !== 'active' || hold.lapsed)) throw new NeedsSectionLock();
    const settlement = await confirm(tx, deps.outbox, locked, payment);
    return { settlement, refundDecided: settlement.kind === 'refunded' };
  };
  const { settlement, refundDecided } = await withTransaction(deps.pool, async (tx) => {
    const decided = await decide(tx);
    await inSettlement?.(tx, decided.settlement);
    return decided;
  });
  if (refundDecided) await completeRefunds(deps.pool, deps.provider, [paymentId]);
  return settlement;
}

async function confirm(tx: Tx, outbox: Outbox, locked: LockedHold, payment: PaymentRow): Promise<Settlement> {
  const { hold } = locked;
  const stillOurs = hold.status === 'active';
  let canBook: boolean;
  if (hold.ga_section_id) {
    // An active hold (even lapsed) still counts its places in `held`; an ended one's section is locked.
    canBook = stillOurs || placesLeft(locked.ga!) >= hold.ga_quantity!;
  } else {
    canBook = locked.seats.every((seat) => (seat.status === 'held' && seat.hold_id === hold.id) || seatIsFree(seat));
  }
  // An approval for a cancelled event is refunded: nothing may be sold for it. The sale's own
  // statement checks that for a hold still ours (the common case); the rest check before anything changes.
  if (!canBook || !stillOurs) {
    const cancelled = await eventIsCancelled(tx, hold.event_id);
    if (!canBook || cancelled) return refund(tx, outbox, locked, payment, cancelled);
  }

  const reacquired = !stillOurs || hold.lapsed;
  if (hold.ga_section_id && !stillOurs) {
    // The ended hold's places went back: take them again for it, so the sale below moves them from held to sold as any other.
    const slice = await sliceWithRoom(tx, hold.event_id, locked.ga!, hold.ga_quantity!);
    await holdGaPlaces(tx, hold.event_id, hold.ga_section_id, slice, hold.ga_quantity!);
    await tx.query(named('reacquire-ga-places', 'UPDATE booking.holds SET ga_slice = $2 WHERE id = $1'), [hold.id, slice.slice]);
  }
  const bookingId = randomUUID();
  const reference = newBookingReference();
  const seatIds = hold.ga_section_id ? [] : locked.seats.map((s) => s.seat_id);
  const generalAdmission = generalAdmissionOf(hold);
  const confirmed = outbox.compose('booking.confirmed', hold.event_id, {
    bookingId,
    bookingReference: reference,
    holdId: hold.id,
    buyerId: hold.buyer_id,
    paymentId: payment.id,
    seatIds: [...seatIds].sort(),
    generalAdmission,
    amount: { cents: payment.amount_cents, currency: payment.currency },
    reacquired,
  });
  // Every write of a sale in one round trip: the booking, its seats sold (seats of other lapsed
  // holds taken over) or its GA places moved from held to sold in the hold's slice, its lines, the
  // hold converted, the payment approved and the message; none of them if the event was
  // cancelled (no booking row: every other write depends on it). A GA sale locks its slice here,
  // so the slice stays locked only until COMMIT.
  const inserted = await tx.query<BookingRow>(
    named(
      'confirm',
      `WITH booking AS (
         INSERT INTO booking.bookings (id, reference, hold_id, payment_id, event_id, buyer_id, status, amount_cents, currency, ga_section_id, ga_slice, ga_quantity)
         SELECT $1, $2, $3, $4, $5, $6, 'confirmed', $7, $8, $9, (SELECT ga_slice FROM booking.holds WHERE id = $3), $10
          WHERE NOT ($17 AND ${eventCancelledSql('$5')})
         RETURNING *
       ), sold_seats AS (
         UPDATE booking.seat_inventory SET status = 'sold', booking_id = $1, hold_id = NULL, held_until = NULL
          WHERE event_id = $5 AND seat_id = ANY($11::uuid[]) AND EXISTS (SELECT FROM booking)
       ), lines AS (
         INSERT INTO booking.booking_seats (booking_id, event_id, seat_id) SELECT $1, $5, unnest($11::uuid[]) WHERE EXISTS (SELECT FROM booking)
       ), sold_places AS (
         UPDATE booking.ga_inventory g SET held = g.held - $10, sold = g.sold + $10
           FROM booking.holds h WHERE h.id = $3 AND g.event_id = $5 AND g.section_id = $9 AND g.slice = h.ga_slice AND EXISTS (SELECT FROM booking)
       ), converted AS (
         UPDATE booking.holds SET status = 'converted', end_reason = 'booked', ended_at = COALESCE(ended_at, now()) WHERE id = $3 AND EXISTS (SELECT FROM booking)
       ), approved AS (
         UPDATE booking.payments SET status = 'approved', updated_at = now() WHERE id = $4 AND EXISTS (SELECT FROM booking)
       ), message AS (
         ${outboxInsertFrom(12, 'booking', {})}
       )
       SELECT * FROM booking`,
    ),
    [
      bookingId,
      reference,
      hold.id,
      payment.id,
      hold.event_id,
      hold.buyer_id,
      payment.amount_cents,
      payment.currency,
      hold.ga_section_id,
      hold.ga_quantity,
      seatIds,
      ...confirmed.values,
      stillOurs,
    ],
  );
  // Only a hold still ours was left to this statement's check (`$17`).
  const row = inserted.rows[0];
  if (!row) return refund(tx, outbox, locked, payment, true);
  const booking = await viewBooking(tx, row, seatIds);
  return { kind: 'confirmed', booking, reacquired };
}

/** An approval that cannot become a sale (the places are gone, or the event was cancelled): the hold ends and the payment is to be refunded. */
async function refund(tx: Tx, outbox: Outbox, locked: LockedHold, payment: PaymentRow, cancelled: boolean): Promise<Settlement> {
  const { hold } = locked;
  if (hold.ga_section_id && !locked.ga) throw new NeedsSectionLock(); // its places go back
  await markRefundPending(tx, payment.id);
  const lapsedOnly = hold.status === 'active' && hold.lapsed && !cancelled;
  await endHold(tx, outbox, locked, lapsedOnly ? 'expired' : 'released', cancelled ? 'event_cancelled' : 'seats_lost');
  await outbox.enqueue(tx, 'payment.refunded', hold.event_id, {
    paymentId: payment.id,
    holdId: hold.id,
    buyerId: hold.buyer_id,
    amount: { cents: payment.amount_cents, currency: payment.currency },
    reason: cancelled ? 'event_cancelled' : 'seats_no_longer_available',
  });
  return { kind: 'refunded', paymentId: payment.id, reason: cancelled ? 'event_cancelled' : 'seats_lost' };
}
