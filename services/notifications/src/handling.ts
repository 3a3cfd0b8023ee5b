import type { Tx } from '@ticketing/platform';
import type { BookingMessage } from '@ticketing/booking/messages';
import { isOfType } from '@ticketing/booking/message-reader';
import { notify } from './inbox.js';
import { cancelHoldTimer, scheduleHoldTimer } from './timers.js';

export interface HandlingSettings {
  /** Where buyers reach the gateway: the tickets PDF link starts here. */
  publicBaseUrl: string;
  holdExpiryNoticeSeconds: number;
}

/** Where a buyer downloads a booking's tickets, through the gateway. */
export const ticketsPdfLink = (publicBaseUrl: string, bookingId: string) => `${publicBaseUrl.replace(/\/$/, '')}/api/tickets/bookings/${bookingId}/tickets.pdf`;

/**
 * What a booking message means for the buyer, inside the consumer's
 * transaction: a notification for confirmed, cancelled and refunded; holds
 * start or move their expiry timer, and end it when settled.
 */
export async function applyBookingMessage(tx: Tx, message: BookingMessage, settings: HandlingSettings): Promise<void> {
  const { eventId } = message;
  if (isOfType(message, 'hold.created') || isOfType(message, 'hold.extended')) {
    await scheduleHoldTimer(
      tx,
      { holdId: message.data.holdId, buyerId: message.data.buyerId, eventId, expiresAt: new Date(message.data.expiresAt) },
      settings.holdExpiryNoticeSeconds,
    );
  } else if (isOfType(message, 'hold.expired') || isOfType(message, 'hold.released')) {
    await cancelHoldTimer(tx, message.data.holdId);
  } else if (isOfType(message, 'booking.confirmed')) {
    const { bookingId, bookingReference, buyerId, amount, holdId } = message.data;
    if (holdId) await cancelHoldTimer(tx, holdId);
    await notify(tx, {
      recipientId: buyerId,
      kind: 'booking-confirmed',
      about: `booking-confirmed:${bookingId}`,
      eventId,
      context: { reference: bookingReference, amount, link: ticketsPdfLink(settings.publicBaseUrl, bookingId) },
    });
  } else if (isOfType(message, 'booking.cancelled')) {
    const { bookingId, bookingReference, buyerId, amount } = message.data;
    await notify(tx, {
      recipientId: buyerId,
      kind: 'booking-cancelled',
      about: `booking-cancelled:${bookingId}`,
      eventId,
      context: { reference: bookingReference, amount },
    });
  } else if (isOfType(message, 'payment.refunded')) {
    const { paymentId, buyerId, amount } = message.data;
    await notify(tx, { recipientId: buyerId, kind: 'refund-issued', about: `refund-issued:${paymentId}`, eventId, context: { amount } });
  }
}
