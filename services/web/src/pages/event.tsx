import { useLocation } from 'preact-iso';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Loading, Notice } from '../components/notice.js';
import { LoadedPage } from '../components/loaded-page.js';
import { Page } from '../components/page.js';
import { categoryColours, SeatMap } from '../components/seat-map.js';
import { formatDateTime, formatMoney } from '../format.js';
import { useLiveAvailability } from '../live-availability.js';
import { admissionPassHeader, hasWaitingRoom, storedPass } from '../waiting-room.js';
import { getSession } from '../session.js';
import type { CatalogEvent, Hold, MapSeat, SeatMap as SeatMapData } from '../types.js';
import { seatIndex, seatsInOrder } from '../seats.js';
import { useLoad } from '../use-load.js';

export default function EventPage({ eventId }: { eventId: string }) {
  const [loaded] = useLoad(
    async (signal) => {
      const [event, map] = await Promise.all([
        api<CatalogEvent>(`/catalog/events/${eventId}`, { signal }),
        api<SeatMapData>(`/catalog/events/${eventId}/seat-map`, { signal }),
      ]);
      return { event, map };
    },
    [eventId],
  );
  return (
    <LoadedPage loaded={loaded} title="Event" what="the event" notFound="This event does not exist or is not published.">
      {({ event, map }) => <EventDetails event={event} map={map} />}
    </LoadedPage>
  );
}

function EventDetails({ event, map }: { event: CatalogEvent; map: SeatMapData }) {
  const { route, url } = useLocation();
  const [live, patchLive, liveFailure] = useLiveAvailability(event.id);
  // Seats picked before logging in are picked again on the way back (the lost-seat check below drops any taken meanwhile).
  const [selected, setSelected] = useState<Set<string>>(() => takePendingSelection(event.id));
  const [message, setMessage] = useState<{ kind: 'error' | 'info'; text: string }>();
  const [busy, setBusy] = useState(false);
  const [quantities, setQuantities] = useState<Record<string, number>>({});
  const colours = useMemo(() => categoryColours(map), [map]);
  const seatsById = useMemo(() => seatIndex(map), [map]);
  const gaSections = map.sections.filter((s) => s.kind === 'general_admission');
  const onSale = event.status === 'on_sale' && new Date(event.startsAt).getTime() > Date.now();
  // Whether the sale goes through a waiting room (holds then need the pass of an admitted buyer).
  const [waitingRoom, setWaitingRoom] = useState(false);
  useEffect(() => {
    hasWaitingRoom(event.id).then(setWaitingRoom, () => setWaitingRoom(false));
  }, [event.id]);

  // A seat someone else just took leaves the selection, with a word why.
  useEffect(() => {
    if (!live) return;
    const lost = [...selected].filter((id) => live.seats.get(id) !== 'available');
    if (lost.length === 0) return;
    setSelected(new Set([...selected].filter((id) => !lost.includes(id))));
    setMessage({
      kind: 'error',
      text: `${lost.map((id) => describeSeat(seatsById.get(id))).join(' and ')} ${lost.length === 1 ? 'was' : 'were'} just taken by someone else. Please pick another seat.`,
    });
  }, [live]);

  const toggle = (seatId: string) => {
    const next = new Set(selected);
    if (next.has(seatId)) next.delete(seatId);
    else next.add(seatId);
    setSelected(next);
    setMessage(undefined);
  };

  const hold = async (body: { seatIds: string[] } | { generalAdmission: { sectionId: string; quantity: number } }) => {
    if (!getSession()) {
      if ('seatIds' in body) keepPendingSelection(event.id, body.seatIds);
      route(`/login?next=${encodeURIComponent(url)}`);
      return;
    }
    setBusy(true);
    setMessage(undefined);
    try {
      const pass = storedPass(event.id);
      const created = await api<Hold>('/booking/holds', {
        method: 'POST',
        body: { eventId: event.id, ...body },
        idempotent: true,
        ...(pass ? { headers: { [admissionPassHeader]: pass } } : {}),
      });
      route(`/holds/${created.id}`);
    } catch (error) {
      const failure = error as ApiError;
      // The sale goes through a waiting room and this buyer has no valid pass (yet): to the queue.
      if (failure.kind === 'waiting-room-pass-required') return route(`/events/${event.id}/queue`);
      const taken = failure.problem['unavailableSeatIds'];
      if (Array.isArray(taken)) {
        patchLive((current) => {
          const seats = new Map(current.seats);
          for (const id of taken as string[]) seats.set(id, 'held');
          return { ...current, seats };
        });
        setSelected(new Set([...selected].filter((id) => !(taken as string[]).includes(id))));
      }
      setMessage({ kind: 'error', text: failure.message });
      setBusy(false);
    }
  };

  const selectedSeats = seatsInOrder([...selected], seatsById);
  const total = selectedSeats.reduce((sum, seat) => sum + seat.priceCents, 0);
  const hasSeats = map.sections.some((s) => s.kind === 'seated');

  return (
    <Page title={event.title} wide>
      <p class="event-meta">
        <time dateTime={event.startsAt}>{formatDateTime(event.startsAt, event.venue.timezone)}</time>
        {' · '}
        {event.venue.name}, {event.venue.address ? `${event.venue.address}, ` : ''}
        {event.venue.city}
      </p>
      {event.description && <p>{event.description}</p>}
      <h2>Prices</h2>
      <ul class="price-tiers">
        {event.priceTiers.map((tier) => (
          <li key={tier.category}>
            <span class="swatch" style={{ background: colours.get(tier.category) }} aria-hidden="true" />
            {tier.category}: {formatMoney(tier.priceCents, tier.currency)}
          </li>
        ))}
      </ul>
      {!onSale && <Notice kind="info">{event.status === 'cancelled' ? 'This event was cancelled.' : 'This event is not on sale.'}</Notice>}
      {onSale && waitingRoom && !storedPass(event.id) && (
        <Notice kind="info">
          This sale goes through a waiting room: <a href={`/events/${event.id}/queue`}>join the queue</a> to get your turn to choose seats.
        </Notice>
      )}
      <div aria-live="polite">{message && <Notice kind={message.kind}>{message.text}</Notice>}</div>
      {liveFailure && (
        <Notice kind="error">
          {liveFailure.message} {live ? 'The seats shown may be out of date.' : 'The seat map appears as soon as it is back.'}
        </Notice>
      )}

      {hasSeats && (
        <>
          <h2>Choose your seats</h2>
          <ul class="legend" aria-label="Legend">
            <li>coloured: available (the colour is the price, see above)</li>
            <li>
              <span class="swatch swatch-selected" aria-hidden="true" /> selected
            </li>
            <li>
              <span class="swatch swatch-taken" aria-hidden="true" /> unavailable
            </li>
          </ul>
          {live ? <SeatMap map={map} statuses={live.seats} selected={selected} onToggle={toggle} /> : <Loading what="the seat map" />}
          <div class="selection" aria-label="Your selection" role="region" data-live={live?.via}>
            {selectedSeats.length === 0 ? (
              <p>No seats selected.</p>
            ) : (
              <p>
                {selectedSeats.length} seat{selectedSeats.length === 1 ? '' : 's'}: {selectedSeats.map(describeSeat).join(', ')}. Total{' '}
                <strong>{formatMoney(total, map.currency)}</strong>
              </p>
            )}
            <button type="button" disabled={!onSale || busy || selectedSeats.length === 0} onClick={() => void hold({ seatIds: [...selected] })}>
              {busy ? 'Holding…' : `Hold ${selectedSeats.length || ''} seat${selectedSeats.length === 1 ? '' : 's'}`.replace('  ', ' ')}
            </button>
          </div>
        </>
      )}

      {gaSections.length > 0 && (
        <>
          <h2>Standing and general admission</h2>
          <ul class="ga-list">
            {gaSections.map((section) => {
              const available = live?.ga.get(section.id);
              const quantity = quantities[section.id] ?? 1;
              const inputId = `ga-${section.id}`;
              return (
                <li key={section.id} class="ga-section">
                  <h3>{section.name}</h3>
                  <p>
                    {section.category}, {formatMoney(section.priceCents ?? 0, map.currency)} each.{' '}
                    <span>{available === undefined ? 'Checking availability…' : available === 0 ? 'Sold out.' : `${available} places left.`}</span>
                  </p>
                  <label for={inputId}>Places</label>{' '}
                  <input
                    id={inputId}
                    type="number"
                    min={1}
                    max={Math.max(1, Math.min(10, available ?? 10))}
                    value={quantity}
                    onInput={(e) => setQuantities({ ...quantities, [section.id]: Number((e.currentTarget as HTMLInputElement).value) || 1 })}
                  />{' '}
                  <button
                    type="button"
                    disabled={!onSale || busy || !available}
                    onClick={() => void hold({ generalAdmission: { sectionId: section.id, quantity } })}
                  >
                    Hold {quantity} place{quantity === 1 ? '' : 's'} in {section.name}
                  </button>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </Page>
  );
}

const pendingKey = (eventId: string) => `ticketing.pending-seats.${eventId}`;

function keepPendingSelection(eventId: string, seatIds: string[]): void {
  sessionStorage.setItem(pendingKey(eventId), JSON.stringify(seatIds));
}

function takePendingSelection(eventId: string): Set<string> {
  const kept = sessionStorage.getItem(pendingKey(eventId));
  if (!kept || !getSession()) return new Set();
  sessionStorage.removeItem(pendingKey(eventId));
  try {
    const ids: unknown = JSON.parse(kept);
    return new Set(Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : []);
  } catch {
    return new Set();
  }
}

function describeSeat(seat: MapSeat | undefined): string {
  return seat ? `Row ${seat.row}, seat ${seat.number}` : 'A seat';
}
