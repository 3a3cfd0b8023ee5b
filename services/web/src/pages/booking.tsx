import { api } from '../api.js';
import { BookingSummary } from '../components/booking-summary.js';
import { LoadedPage } from '../components/loaded-page.js';
import { Notice } from '../components/notice.js';
import { Page } from '../components/page.js';
import type { Booking, CatalogEvent, SeatMap } from '../types.js';
import { useLoad } from '../use-load.js';

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
          <p>
            <a href="/bookings">All your bookings</a>
          </p>
        </Page>
      )}
    </LoadedPage>
  );
}
