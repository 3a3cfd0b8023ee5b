import type { Tx } from '@ticketing/platform';
import type { BookingMessage } from '@ticketing/booking/messages';
import { isOfType } from '@ticketing/booking/message-reader';
import { notify } from './inbox.js';
import { cancelHoldTimer, scheduleHoldTimer } from './timers.js';

export interface HandlingSettings {
  /** Where buyers reach the gateway and the web UI: links in messages start here. */
  publicBaseUrl: string;
  holdExpiryNoticeSeconds: number;
}

const base = (publicBaseUrl: string) => publicBaseUrl.replace(/\/$/, '');

/** The tickets PDF in the API, through the gateway (with the buyer's bearer token: the inbox's download). */
export const ticketsPdfLink = (publicBaseUrl: string, bookingId: string) => `${base(publicBaseUrl)}/api/tickets/bookings/${bookingId}/tickets.pdf`;

/**
 * The booking's page in the web UI (services/web, route /bookings/:reference):
 * what an email links to. A mail client has no token, so the page asks its
 * reader to log in, returns to the booking and downloads the PDF with the
 * session; anyone but the buyer (or an admin) is refused by the API.
 */
export const bookingPageLink = (publicBaseUrl: string, reference: string) => `${base(publicBaseUrl)}/bookings/${encodeURIComponent(reference)}`;

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
      context: {
        reference: bookingReference,
        amount,
        link: ticketsPdfLink(settings.publicBaseUrl, bookingId),
        pageLink: bookingPageLink(settings.publicBaseUrl, bookingReference),
      },
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
