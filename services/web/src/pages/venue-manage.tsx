import { useMemo, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { LoadedPage } from '../components/loaded-page.js';
import { Notice } from '../components/notice.js';
import { Page } from '../components/page.js';
import { SeatMap } from '../components/seat-map.js';
import { TableHead, type Column } from '../components/table-head.js';
import type { MapSeat, PartnerVenue, SeatMap as SeatMapData, VenueSeat } from '../types.js';
import { failureOf, useAction } from '../use-action.js';
import { useLoad } from '../use-load.js';

interface Managed {
  venue: PartnerVenue;
  seats: VenueSeat[];
}

/**
 * An organizer's venue after it is saved: its sections and seats, and closing
 * what can no longer be sold (a broken seat, a stand under repair). Closed
 * places leave every event's inventory at once; the catalog refuses to close
 * any that are held or sold, and this page names them.
 */
export default function VenueManage({ venueId }: { venueId: string }) {
  const [loaded, reload] = useLoad(
    async (signal): Promise<Managed> => {
      const [venues, seats] = await Promise.all([
        api<{ items: PartnerVenue[] }>('/catalog/partner/venues', { signal }),
        api<{ seats: VenueSeat[] }>(`/catalog/venues/${venueId}/seats`, { signal }),
      ]);
      const venue = venues.items.find((v) => v.id === venueId);
      // Only the partner's own venues: another's answers like one that does not exist.
      if (!venue) throw new ApiError(404, 'not-found', 'There is no such venue among yours.');
      return { venue, seats: seats.seats };
    },
    [venueId],
  );
  return (
    <LoadedPage
      loaded={loaded}
      title="Manage venue"
      what="the venue"
      notFound="There is no such venue among yours."
      back={{ href: '/organizer', label: 'Back to my events' }}
    >
      {(managed) => <Manage {...managed} reload={reload} />}
    </LoadedPage>
  );
}

/** The seat map of the venue's seated sections (no prices: a venue has none, its events do). */
function mapOf(venue: PartnerVenue, seats: VenueSeat[]): SeatMapData {
  return {
    eventId: '',
    status: 'draft',
    currency: 'EUR',
    venue: { id: venue.id, name: venue.name, city: venue.city, address: venue.address, timezone: venue.timezone },
    priceTiers: venue.categories.map((category) => ({ category, priceCents: 0, currency: 'EUR' })),
    sections: venue.sections
      .filter((section) => section.kind === 'seated')
      .map((section) => ({ ...section, seats: seats.filter((seat) => seat.sectionId === section.id).map((seat) => ({ ...seat, priceCents: 0 })) })),
  };
}

const sectionColumns: Column[] = [{ name: 'Section' }, { name: 'Kind' }, { name: 'Places', number: true }, { name: 'Close' }];

const seatName = (seat: Pick<MapSeat, 'row' | 'number'>) => `row ${seat.row}, seat ${seat.number}`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function Manage({ venue, seats, reload }: Managed & { reload: () => void }) {
  const { busy, outcome, run } = useAction();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [confirmingSection, setConfirmingSection] = useState<string>();
  const map = useMemo(() => mapOf(venue, seats), [venue, seats]);
  const open = useMemo(() => new Map(seats.map((seat) => [seat.id, 'available' as const])), [seats]);
  const seatById = useMemo(() => new Map(seats.map((seat) => [seat.id, seat])), [seats]);
  const sectionName = (id: string) => venue.sections.find((s) => s.id === id)?.name ?? 'a section';
  const confirming = venue.sections.find((s) => s.id === confirmingSection);

  /** Why the catalog refused, in the venue's own names: which seats or sections are held or sold. */
  const refusal = (error: unknown): string => {
    if (!(error instanceof ApiError)) return failureOf(error);
    const seatIds = (error.problem['seatIds'] as string[] | undefined) ?? [];
    if (error.kind === 'seats-in-use') {
      const names = seatIds.map((id) => seatById.get(id)).flatMap((seat) => (seat ? [seatName(seat)] : []));
      return `Nothing was closed: ${names.join('; ')} ${names.length === 1 ? 'is' : 'are'} held or sold for an event. Deselect ${names.length === 1 ? 'it' : 'them'}, or wait until the event is over.`;
    }
    if (error.kind === 'sections-in-use') {
      const names = ((error.problem['sectionIds'] as string[] | undefined) ?? []).map(sectionName);
      return `Nothing was closed: ${names.join(', ')} ${names.length === 1 ? 'has' : 'have'} places held or sold for an event.`;
    }
    return failureOf(error);
  };

  /** Sends one close; on success reloads the venue (closed places are gone from it). */
  const close = async (path: string, body: unknown, done: string) => {
    if (await run(() => api(`/catalog/venues/${venue.id}${path}`, { method: 'POST', body, idempotent: true }), done, refusal)) {
      setSelected(new Set());
      setConfirmingSection(undefined);
      reload();
    }
  };
  const toggle = (seatId: string) => {
    const next = new Set(selected);
    if (!next.delete(seatId)) next.add(seatId);
    setSelected(next);
  };
  const chosen = [...selected].flatMap((id) => seatById.get(id) ?? []);

  return (
    <Page title={venue.name} wide>
      <p>
        <a href="/organizer">Back to my events</a> · <a href={`/organizer/events/new?venueId=${venue.id}`}>New event here</a>
      </p>
      <p>
        {venue.city}
        {venue.address ? `, ${venue.address}` : ''} · time zone {venue.timezone} · {plural(venue.capacity, 'place')} in{' '}
        {plural(venue.sections.length, 'section')}.
      </p>
      <p>
        Closing a seat or a section takes it out of every event at this venue, at once. Seats or places held or sold for an event still to come cannot be
        closed.
      </p>
      <div aria-live="polite">{outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}</div>

      <h2>Sections</h2>
      <div class="table-scroll table-cards" tabIndex={0} role="region" aria-label="Sections of the venue">
        <table>
          <TableHead columns={sectionColumns} />
          <tbody>
            {venue.sections.map((section) => (
              <tr key={section.id}>
                <th scope="row">{section.name}</th>
                <td data-label={sectionColumns[1]!.name}>{section.kind === 'seated' ? `Seated (${section.category})` : `Standing (${section.category})`}</td>
                <td data-label={sectionColumns[2]!.name} class="number">
                  {section.capacity}
                </td>
                <td data-label={sectionColumns[3]!.name}>
                  <button type="button" class="secondary" disabled={busy || confirming !== undefined} onClick={() => setConfirmingSection(section.id)}>
                    Close {section.name}…
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {confirming && (
        <div class="confirm" role="group" aria-labelledby="close-section-question">
          <p id="close-section-question">
            <strong>Close {confirming.name}?</strong> Its {plural(confirming.capacity, 'place')} leave every event at this venue.
          </p>
          <p class="actions">
            <button
              type="button"
              class="danger"
              disabled={busy}
              onClick={() =>
                void close('/sections/close', { sectionIds: [confirming.id] }, `${confirming.name} is closed: no event sells its places any more.`)
              }
            >
              Yes, close {confirming.name}
            </button>
            <button type="button" class="secondary" disabled={busy} onClick={() => setConfirmingSection(undefined)}>
              Keep it open
            </button>
          </p>
        </div>
      )}

      {seats.length > 0 && (
        <>
          <h2>Seats</h2>
          <p>Pick the seats to close on the map (click, or the arrow keys and Space).</p>
          <SeatMap
            map={map}
            statuses={open}
            selected={selected}
            onToggle={toggle}
            describe={(seat, state) => `${seatName(seat)}, ${seat.category}, ${state === 'selected' ? 'selected to close' : 'open'}`}
          />
          <p role="status">{chosen.length === 0 ? 'No seat selected.' : `Selected: ${chosen.map(seatName).join('; ')}.`}</p>
          <p class="actions">
            <button
              type="button"
              class="danger"
              disabled={busy || chosen.length === 0}
              onClick={() =>
                void close(
                  '/seats/close',
                  { seatIds: chosen.map((seat) => seat.id) },
                  `Closed ${plural(chosen.length, 'seat')}: ${chosen.map(seatName).join('; ')}.`,
                )
              }
            >
              {chosen.length === 0 ? 'Close selected seats' : `Close ${plural(chosen.length, 'selected seat')}`}
            </button>
            <button type="button" class="secondary" disabled={busy || chosen.length === 0} onClick={() => setSelected(new Set())}>
              Clear the selection
            </button>
          </p>
        </>
      )}
    </Page>
  );
}
