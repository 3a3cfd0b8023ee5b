import { useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Countdown, useSecondsLeft } from '../components/countdown.js';
import { LoadedPage } from '../components/loaded-page.js';
import { Notice } from '../components/notice.js';
import { Page } from '../components/page.js';
import { formatDateTime, formatMoney } from '../format.js';
import type { Booking, CatalogEvent, Hold, SeatMap } from '../types.js';
import { seatIndex, seatsInOrder } from '../seats.js';
import { useLoad } from '../use-load.js';

/** The simulated provider's test cards (see the booking API's checkout operation). */
const paymentMethods = [
  { value: 'pm_card_approved', label: 'Card that is approved' },
  { value: 'pm_card_declined', label: 'Card that is declined' },
  { value: 'pm_card_timeout', label: 'Card whose bank does not answer (time-out)' },
  { value: 'pm_card_async', label: 'Card confirmed later by the bank (asynchronous)' },
];

export default function Checkout({ holdId }: { holdId: string }) {
  const [loaded, , setLoaded] = useLoad(
    async (signal) => {
      const hold = await api<Hold>(`/booking/holds/${holdId}`, { signal });
      const [event, map] = await Promise.all([
        api<CatalogEvent>(`/catalog/events/${hold.eventId}`, { signal }),
        api<SeatMap>(`/catalog/events/${hold.eventId}/seat-map`, { signal }),
      ]);
      return { hold, event, map };
    },
    [holdId],
  );
  return (
    <LoadedPage loaded={loaded} title="Checkout" what="your hold" notFound="This hold does not exist or is not yours.">
      {(value) => <CheckoutForm {...value} onHold={(hold) => setLoaded({ ...value, hold })} />}
    </LoadedPage>
  );
}

function CheckoutForm({ hold, event, map, onHold }: { hold: Hold; event: CatalogEvent; map: SeatMap; onHold: (hold: Hold) => void }) {
  const { route } = useLocation();
  const [method, setMethod] = useState(paymentMethods[0]!.value);
  const [state, setState] = useState<{ kind: 'idle' } | { kind: 'paying' } | { kind: 'pending' } | { kind: 'failed'; error: ApiError }>({ kind: 'idle' });
  const secondsLeft = useSecondsLeft(hold.expiresAt);
  const expired = hold.status === 'expired' || (hold.status === 'active' && secondsLeft === 0 && state.kind !== 'paying' && state.kind !== 'pending');

  // An asynchronous payment: the bank's answer arrives by webhook; watch the hold until it has one.
  useEffect(() => {
    if (state.kind !== 'pending') return;
    const timer = setInterval(() => {
      api<Hold>(`/booking/holds/${hold.id}`).then(
        (next) => {
          if (next.bookingReference) route(`/bookings/${next.bookingReference}`);
          else if (next.status !== 'active') {
            onHold(next);
            setState({
              kind: 'failed',
              error: new ApiError(402, 'payment-declined', 'Your bank declined the payment; you have not been charged and the seats were released.'),
            });
          }
        },
        () => undefined,
      );
    }, 1_000);
    return () => clearInterval(timer);
  }, [state.kind]);

  if (hold.bookingReference) {
    return (
      <Page title="Checkout">
        <Notice kind="success">This hold is already paid.</Notice>
        <a href={`/bookings/${hold.bookingReference}`}>See booking {hold.bookingReference}</a>
      </Page>
    );
  }

  const seats = seatsInOrder(hold.seatIds, seatIndex(map));
  const gaSection = hold.generalAdmission ? map.sections.find((s) => s.id === hold.generalAdmission!.sectionId) : undefined;
  const pay = async (e: Event) => {
    e.preventDefault();
    setState({ kind: 'paying' });
    try {
      const result = await api<Booking | { paymentId: string; status: 'pending' }>(`/booking/holds/${hold.id}/checkout`, {
        method: 'POST',
        body: { paymentMethod: method },
        idempotent: true,
      });
      if ('reference' in result) route(`/bookings/${result.reference}`);
      else setState({ kind: 'pending' });
    } catch (error) {
      setState({ kind: 'failed', error: error as ApiError });
    }
  };
  const release = async () => {
    try {
      await api(`/booking/holds/${hold.id}`, { method: 'DELETE', idempotent: true });
      route(`/events/${hold.eventId}`);
    } catch (error) {
      setState({ kind: 'failed', error: error as ApiError });
    }
  };
  const ended =
    hold.status !== 'active' ||
    expired ||
    (state.kind === 'failed' && ['payment-declined', 'payment-timeout', 'hold-expired', 'hold-not-active'].includes(state.error.kind));

  return (
    <Page title="Checkout">
      <h2>{event.title}</h2>
      <p>
        <time dateTime={event.startsAt}>{formatDateTime(event.startsAt, event.venue.timezone)}</time> · {event.venue.name}, {event.venue.city}
      </p>
      <ul class="hold-items">
        {seats.map((seat) => (
          <li key={seat.id}>
            Row {seat.row}, seat {seat.number} ({seat.category}), {formatMoney(seat.priceCents, hold.amount.currency)}
          </li>
        ))}
        {hold.generalAdmission && (
          <li>
            {hold.generalAdmission.quantity} × {gaSection?.name ?? 'general admission'}
          </li>
        )}
      </ul>
      <p class="total">
        Total: <strong>{formatMoney(hold.amount.cents, hold.amount.currency)}</strong>
      </p>

      {state.kind === 'failed' && <Notice kind="error">{state.error.message}</Notice>}
      {expired && state.kind !== 'failed' && <Notice kind="error">Your hold has expired and the seats were released. Please choose your seats again.</Notice>}
      {hold.status === 'released' && state.kind !== 'failed' && <Notice kind="info">This hold was released.</Notice>}
      {state.kind === 'pending' && <Notice kind="info">Waiting for your bank to confirm the payment…</Notice>}

      {ended ? (
        <p>
          <a class="button" href={`/events/${hold.eventId}`}>
            Choose seats again
          </a>
        </p>
      ) : (
        <>
          {hold.status === 'active' && <Countdown seconds={secondsLeft} />}
          <form onSubmit={(e) => void pay(e)}>
            <fieldset>
              <legend>Payment method</legend>
              {paymentMethods.map((m) => (
                <div class="radio" key={m.value}>
                  <input type="radio" id={m.value} name="paymentMethod" value={m.value} checked={method === m.value} onChange={() => setMethod(m.value)} />
                  <label for={m.value}>{m.label}</label>
                </div>
              ))}
            </fieldset>
            <div class="actions">
              <button type="submit" disabled={state.kind === 'paying' || state.kind === 'pending'}>
                {state.kind === 'paying' ? 'Paying…' : `Pay ${formatMoney(hold.amount.cents, hold.amount.currency)}`}
              </button>
              <button type="button" class="secondary" onClick={() => void release()} disabled={state.kind === 'paying' || state.kind === 'pending'}>
                Release seats
              </button>
            </div>
          </form>
        </>
      )}
    </Page>
  );
}
