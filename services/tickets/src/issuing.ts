import type { Tx } from '@ticketing/platform';
import type { BookingMessage } from '@ticketing/booking/messages';
import { isOfType } from '@ticketing/booking/message-reader';
import { findEventSummary, seatNames, sectionName } from '@ticketing/catalog/event-summary';
import { findContact } from '@ticketing/users/contacts';

/**
 * What a booking message does to tickets, inside the consumer's transaction
 * (the message id is recorded in the same one, so each message acts once):
 * booking.confirmed issues one ticket per seat or place, booking.cancelled
 * revokes them. Other types are not about tickets.
 */
export async function applyBookingMessage(tx: Tx, message: BookingMessage): Promise<void> {
  if (isOfType(message, 'booking.confirmed')) await issueTickets(tx, message);
  else if (isOfType(message, 'booking.cancelled')) await revokeTickets(tx, message.data.bookingId);
}

interface Place {
  place: string;
  label: string;
}

async function placesOf(tx: Tx, message: BookingMessage<'booking.confirmed'>): Promise<Place[]> {
  const { seatIds, generalAdmission } = message.data;
  const places: Place[] = [];
  if (seatIds.length > 0) {
    const names = await seatNames(tx, seatIds);
    for (const seatId of seatIds) {
      const label = names.get(seatId);
      if (!label) throw new Error(`seat ${seatId} of booking ${message.data.bookingId} is not in the catalog`);
      places.push({ place: `seat:${seatId}`, label });
    }
  }
  if (generalAdmission) {
    const area = await sectionName(tx, generalAdmission.sectionId);
    if (!area) throw new Error(`section ${generalAdmission.sectionId} of booking ${message.data.bookingId} is not in the catalog`);
    for (let n = 1; n <= generalAdmission.quantity; n++) {
      places.push({ place: `ga:${generalAdmission.sectionId}:${n}`, label: `${area} · general admission ${n} of ${generalAdmission.quantity}` });
    }
  }
  return places;
}

async function issueTickets(tx: Tx, message: BookingMessage<'booking.confirmed'>): Promise<void> {
  const { bookingId, bookingReference, buyerId } = message.data;
  const event = await findEventSummary(tx, message.eventId);
  // Thrown, so the message is retried and then dead-lettered: a confirmed booking of an unknown event is a bug to look at.
  if (!event) throw new Error(`event ${message.eventId} of booking ${bookingId} is not in the catalog`);
  const buyer = await findContact(tx, buyerId);
  await tx.query(
    `INSERT INTO tickets.bookings (booking_id, reference, event_id, organization_id, buyer_id, buyer_name, event_title, venue, starts_at, timezone, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'confirmed') ON CONFLICT (booking_id) DO NOTHING`,
    [
      bookingId,
      bookingReference,
      event.id,
      event.organizationId,
      buyerId,
      buyer?.displayName ?? null,
      event.title,
      `${event.venueName}, ${event.venueCity}`,
      event.startsAt,
      event.venueTimezone,
    ],
  );
  const places = await placesOf(tx, message);
  await tx.query(
    `INSERT INTO tickets.tickets (booking_id, event_id, place, label, position)
     SELECT $1, $2, p.place, p.label, p.position FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS p(place, label, position)
     ON CONFLICT (booking_id, place) DO NOTHING`,
    [bookingId, event.id, places.map((p) => p.place), places.map((p) => p.label)],
  );
}

async function revokeTickets(tx: Tx, bookingId: string): Promise<void> {
  await tx.query(`UPDATE tickets.bookings SET status = 'cancelled', cancelled_at = now() WHERE booking_id = $1 AND status = 'confirmed'`, [bookingId]);
  await tx.query(
    `UPDATE tickets.tickets SET revoked_at = now(), revocation_number = nextval('tickets.revocation_numbers')
      WHERE booking_id = $1 AND revoked_at IS NULL`,
    [bookingId],
  );
}
