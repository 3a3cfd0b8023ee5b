import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { BookingSummary } from '../components/booking-summary.js';
import { Loading, Notice } from '../components/notice.js';
import { Page } from '../components/page.js';
import type { Booking, CatalogEvent, SeatMap } from '../types.js';
import { useLoad } from '../use-load.js';

interface Row {
  booking: Booking;
  event?: CatalogEvent;
  map?: SeatMap;
}

export default function MyBookings() {
  const [loaded, reload] = useLoad(async (signal) => {
    const { items } = await api<{ items: Booking[] }>('/booking/bookings', { signal });
    const eventIds = [...new Set(items.map((b) => b.eventId))];
    const details = new Map(
      await Promise.all(
        eventIds.map(
          async (id) =>
            [
              id,
              {
                event: await api<CatalogEvent>(`/catalog/events/${id}`, { signal }).catch(() => undefined),
                map: await api<SeatMap>(`/catalog/events/${id}/seat-map`, { signal }).catch(() => undefined),
              },
            ] as const,
        ),
      ),
    );
    return items.map((booking): Row => ({ booking, ...details.get(booking.eventId) }));
  }, []);
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string }>();
  const [cancelling, setCancelling] = useState<string>();

  const cancel = async (booking: Booking) => {
    if (!confirm(`Cancel booking ${booking.reference}? Your payment will be refunded.`)) return;
    setCancelling(booking.reference);
    try {
      await api(`/booking/bookings/${booking.reference}/cancel`, { method: 'POST', idempotent: true });
      setMessage({ kind: 'success', text: `Booking ${booking.reference} is cancelled; your payment will be refunded.` });
      reload();
    } catch (error) {
      setMessage({ kind: 'error', text: (error as ApiError).message });
    } finally {
      setCancelling(undefined);
    }
  };

  return (
    <Page title="My bookings">
      <div aria-live="polite">{message && <Notice kind={message.kind}>{message.text}</Notice>}</div>
      {loaded.state === 'loading' && <Loading what="your bookings" />}
      {loaded.state === 'error' && <Notice kind="error">{loaded.error.message}</Notice>}
      {loaded.state === 'ready' && loaded.value.length === 0 && (
        <p>
          You have no bookings yet. <a href="/">Find an event</a>.
        </p>
      )}
      {loaded.state === 'ready' && (
        <ul class="booking-list">
          {loaded.value.map((row) => (
            <li key={row.booking.id} class="booking-card">
              <h2>
                <a href={`/bookings/${row.booking.reference}`}>{row.event?.title ?? 'Booking'}</a>
              </h2>
              <BookingSummary {...row} />
              {row.booking.status === 'confirmed' && (
                <button type="button" class="secondary" disabled={cancelling === row.booking.reference} onClick={() => void cancel(row.booking)}>
                  {cancelling === row.booking.reference ? 'Cancelling…' : `Cancel booking ${row.booking.reference}`}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}
