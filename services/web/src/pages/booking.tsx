import { useState } from 'preact/hooks';
import { api, downloadFile, type ApiError } from '../api.js';
import { BookingSummary } from '../components/booking-summary.js';
import { LoadedPage } from '../components/loaded-page.js';
import { Notice } from '../components/notice.js';
import { Page } from '../components/page.js';
import type { Booking, CatalogEvent, SeatMap } from '../types.js';
import { useLoad } from '../use-load.js';

/**
 * The tickets PDF of a confirmed booking, downloaded with the session: the
 * confirmation email links to this page because the PDF itself needs the
 * buyer's token, which a mail client does not have.
 */
function DownloadTickets({ bookingId, reference }: { bookingId: string; reference: string }) {
  const [error, setError] = useState<string>();
  const download = async () => {
    setError(undefined);
    try {
      await downloadFile(`/tickets/bookings/${bookingId}/tickets.pdf`, `tickets-${reference}.pdf`);
    } catch (failure) {
      const error = failure as ApiError;
      // Tickets are issued from the booking's message a moment after payment.
      setError(error.status === 404 ? 'Your tickets are still being issued. Please try again in a moment.' : error.message);
    }
  };
  return (
    <>
      <div aria-live="polite">{error && <Notice kind="error">{error}</Notice>}</div>
      <p>
        <button type="button" onClick={() => void download()}>
          Download tickets (PDF)
        </button>
      </p>
    </>
  );
}

export default function BookingPage({ reference }: { reference: string }) {
  const [loaded] = useLoad(
    async (signal) => {
      const booking = await api<Booking>(`/booking/bookings/${encodeURIComponent(reference)}`, { signal });
      const [event, map] = await Promise.all([
        api<CatalogEvent>(`/catalog/events/${booking.eventId}`, { signal }).catch(() => undefined),
        api<SeatMap>(`/catalog/events/${booking.eventId}/seat-map`, { signal }).catch(() => undefined),
      ]);
      return { booking, event, map };
    },
    [reference],
  );
  return (
    <LoadedPage
      loaded={loaded}
      title="Booking"
      what="your booking"
      notFound="There is no booking with this reference in your account."
      back={{ href: '/bookings', label: 'Your bookings' }}
    >
      {(value) => (
        <Page title={value.booking.status === 'confirmed' ? 'Booking confirmed' : 'Booking cancelled'}>
          {value.booking.status === 'confirmed' && <Notice kind="success">Thank you! Your booking reference is {value.booking.reference}.</Notice>}
          <BookingSummary {...value} />
          {value.booking.status === 'confirmed' && <DownloadTickets bookingId={value.booking.id} reference={value.booking.reference} />}
          <p>
            <a href="/bookings">All your bookings</a>
          </p>
        </Page>
      )}
    </LoadedPage>
  );
}
