import { formatDateTime, formatMoney } from '../format.js';
import { seatIndex, seatsInOrder } from '../seats.js';
import type { Booking, CatalogEvent, SeatMap } from '../types.js';

/** What a booking is for: the event, the seats or places, the amount. */
export function BookingSummary({ booking, event, map }: { booking: Booking; event?: CatalogEvent; map?: SeatMap }) {
  const seats = seatsInOrder(booking.seatIds, seatIndex(map));
  const ga = booking.generalAdmission ? map?.sections.find((s) => s.id === booking.generalAdmission!.sectionId) : undefined;
  return (
    <dl class="booking-summary">
      <dt>Reference</dt>
      <dd class="reference">{booking.reference}</dd>
      <dt>Event</dt>
      <dd>
        {event ? (
          <>
            <a href={`/events/${event.id}`}>{event.title}</a>, <time dateTime={event.startsAt}>{formatDateTime(event.startsAt, event.venue.timezone)}</time>,{' '}
            {event.venue.name}
          </>
        ) : (
          'Event details unavailable'
        )}
      </dd>
      <dt>{booking.generalAdmission ? 'Places' : 'Seats'}</dt>
      <dd>
        {booking.generalAdmission
          ? `${booking.generalAdmission.quantity} × ${ga?.name ?? 'general admission'}`
          : seats.map((seat) => `Row ${seat.row} seat ${seat.number}`).join(', ')}
      </dd>
      <dt>Amount</dt>
      <dd>{formatMoney(booking.amount.cents, booking.amount.currency)}</dd>
      <dt>Status</dt>
      <dd>{booking.status === 'confirmed' ? 'Confirmed' : `Cancelled${booking.cancelledAt ? ` on ${formatDateTime(booking.cancelledAt)}` : ''}`}</dd>
    </dl>
  );
}
