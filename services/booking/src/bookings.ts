import { problems, type Pool, type Principal, type Tx } from '@ticketing/platform';
import { eventHasStarted, eventOwnerOf } from './catalog-reader.js';
import { generalAdmissionOf, lockGa, lockSeatsOfBookings, returnSoldGaPlaces, returnSoldSeats } from './inventory.js';
import type { Outbox } from './messages.js';
import { markRefundPending } from './refunds.js';
import { named } from './statements.js';

export interface BookingRow {
  id: string;
  reference: string;
  hold_id: string;
  payment_id: string;
  event_id: string;
  buyer_id: string;
  status: 'confirmed' | 'cancelled';
  amount_cents: number;
  currency: string;
  ga_section_id: string | null;
  /** The slice of its section a GA booking's places were sold from (migrations/007). */
  ga_slice: number | null;
  ga_quantity: number | null;
  created_at: Date;
  cancelled_at: Date | null;
}

export interface BookingView {
  id: string;
  reference: string;
  eventId: string;
  status: BookingRow['status'];
  seatIds: string[];
  generalAdmission: { sectionId: string; quantity: number } | null;
  amount: { cents: number; currency: string };
  createdAt: string;
  cancelledAt: string | null;
}

/** A booking by reference, as its buyer (or an admin) may see it; 404 for anyone else. */
async function findBookingOf(db: Pool | Tx, reference: string, requester: { sub: string; role: string }): Promise<BookingRow> {
  const { rows } = await db.query<BookingRow>('SELECT * FROM booking.bookings WHERE reference = $1', [reference]);
  const booking = rows[0];
  if (!booking || (booking.buyer_id !== requester.sub && requester.role !== 'admin')) throw problems.notFound(`booking ${reference}`);
  return booking;
}

export async function viewBookingOf(db: Pool | Tx, reference: string, requester: { sub: string; role: string }): Promise<BookingView> {
  return viewBooking(db, await findBookingOf(db, reference, requester));
}

/** Newest first, at most `limit`: a buyer's own bookings, or (for its partner or an admin) an event's sales. */
async function listBookings(db: Pool | Tx, where: { buyerId: string } | { eventId: string }, limit = 100): Promise<BookingView[]> {
  const [column, value] = 'buyerId' in where ? ['buyer_id', where.buyerId] : ['event_id', where.eventId];
  const { rows } = await db.query<BookingRow>(`SELECT * FROM booking.bookings WHERE ${column} = $1 ORDER BY created_at DESC, id LIMIT $2`, [value, limit]);
  return Promise.all(rows.map((row) => viewBooking(db, row)));
}

/** The caller's own bookings, newest first. */
export function listBookingsOfBuyer(db: Pool | Tx, buyerId: string): Promise<BookingView[]> {
  return listBookings(db, { buyerId });
}

/** An event's sales, for its organization's partners and admins; another organization's event is 404, as if absent. */
export async function listSalesOfEvent(db: Pool | Tx, eventId: string, requester: Principal): Promise<BookingView[]> {
  const owner = await eventOwnerOf(db, eventId);
  if (owner === undefined || (requester.role !== 'admin' && owner !== requester.org)) throw problems.notFound(`event ${eventId}`);
  return listBookings(db, { eventId });
}

/** What the API shows of a booking; `knownSeatIds`, when the caller just wrote them, spares reading them back. */
export async function viewBooking(db: Pool | Tx, booking: BookingRow, knownSeatIds?: readonly string[]): Promise<BookingView> {
  const seatIds = knownSeatIds
    ? [...knownSeatIds].sort()
    : (
        await db.query<{ seat_id: string }>(named('seats-of-booking', 'SELECT seat_id FROM booking.booking_seats WHERE booking_id = $1 ORDER BY seat_id'), [
          booking.id,
        ])
      ).rows.map((r) => r.seat_id);
  return {
    id: booking.id,
    reference: booking.reference,
    eventId: booking.event_id,
    status: booking.status,
    seatIds,
    generalAdmission: generalAdmissionOf(booking),
    amount: { cents: booking.amount_cents, currency: booking.currency },
    createdAt: booking.created_at.toISOString(),
    cancelledAt: booking.cancelled_at?.toISOString() ?? null,
  };
}

/**
 * Cancels a confirmed booking before its event starts: seats (or GA places)
 * go back on sale and the payment is owed a refund, in one transaction.
 * Returns the payment to refund at the provider after commit.
 */
export async function cancelBooking(
  tx: Tx,
  outbox: Outbox,
  reference: string,
  requester: { sub: string; role: string },
): Promise<{ booking: BookingView; refundPaymentId: string | undefined }> {
  const peek = await findBookingOf(tx, reference, requester);
  // Lock order: inventory, then the booking.
  if (peek.ga_section_id) await lockGa(tx, peek.event_id, peek.ga_section_id);
  else await lockSeatsOfBookings(tx, [peek.id]);
  const { rows } = await tx.query<BookingRow>('SELECT * FROM booking.bookings WHERE id = $1 FOR UPDATE', [peek.id]);
  const booking = rows[0]!;
  if (booking.status === 'cancelled') return { booking: await viewBooking(tx, booking), refundPaymentId: undefined };
  if (await eventHasStarted(tx, booking.event_id))
    throw problems.conflict('event-started', 'Event has started', 'bookings can only be cancelled before the event starts');
  const updated = await cancelLockedBooking(tx, outbox, booking, requester.sub === booking.buyer_id ? 'cancelled_by_buyer' : 'cancelled_by_admin');
  return { booking: updated, refundPaymentId: booking.payment_id };
}

/**
 * Cancels a confirmed booking whose inventory and row the caller has locked:
 * inventory back on sale, payment marked refund_pending, booking.cancelled
 * enqueued. The caller refunds at the provider after commit (completeRefunds).
 */
export async function cancelLockedBooking(
  tx: Tx,
  outbox: Outbox,
  booking: BookingRow,
  reason: 'cancelled_by_buyer' | 'cancelled_by_admin' | 'event_cancelled',
): Promise<BookingView> {
  if (booking.ga_section_id) {
    await returnSoldGaPlaces(tx, booking);
  } else {
    await returnSoldSeats(tx, booking.id);
    await tx.query('UPDATE booking.booking_seats SET active = false WHERE booking_id = $1', [booking.id]);
  }
  const updated = await tx.query<BookingRow>(`UPDATE booking.bookings SET status = 'cancelled', cancelled_at = now() WHERE id = $1 RETURNING *`, [booking.id]);
  await markRefundPending(tx, booking.payment_id);
  const view = await viewBooking(tx, updated.rows[0]!);
  await outbox.enqueue(tx, 'booking.cancelled', booking.event_id, {
    bookingId: booking.id,
    bookingReference: booking.reference,
    buyerId: booking.buyer_id,
    seatIds: view.seatIds,
    generalAdmission: view.generalAdmission,
    amount: view.amount,
    reason,
  });
  return view;
}
