import { useMemo, useState } from 'preact/hooks';
import { allPages, api, ApiError } from '../api.js';
import { Field, formValue } from '../components/form.js';
import { LoadedPage } from '../components/loaded-page.js';
import { Notice } from '../components/notice.js';
import { Page } from '../components/page.js';
import { SeatMap } from '../components/seat-map.js';
import { TableHead, type Column } from '../components/table-head.js';
import { endedStatuses } from '../event-status.js';
import type { CatalogEvent, MapSeat, PartnerVenue, SeatMap as SeatMapData, VenueSeat } from '../types.js';
import { failureOf, useAction } from '../use-action.js';
import { useLoad } from '../use-load.js';

interface Managed {
  venue: PartnerVenue;
  seats: VenueSeat[];
  /** The venue's events that may still sell (for what new places need: a price in their category). */
  events: CatalogEvent[];
}

const notYours = 'There is no such venue among yours.';

/**
 * An organizer's venue after it is saved: its sections and seats, and closing
 * what can no longer be sold (a broken seat, a stand under repair). Closed
 * places leave every event's inventory at once; the catalog refuses to close
 * any that are held or sold, and this page names them.
 */
export default function VenueManage({ venueId }: { venueId: string }) {
  const [loaded, reload] = useLoad(
    async (signal): Promise<Managed> => {
      // Another organization's venue answers 404, like one that does not exist.
      const [venue, seats, events] = await Promise.all([
        api<PartnerVenue>(`/catalog/partner/venues/${venueId}`, { signal }),
        api<{ seats: VenueSeat[] }>(`/catalog/venues/${venueId}/seats`, { signal }),
        allPages<CatalogEvent>(`/catalog/partner/events?venueId=${venueId}&endsAfter=${encodeURIComponent(new Date().toISOString())}`, { signal }),
      ]);
      return { venue, seats: seats.seats, events: events.filter((event) => !endedStatuses.includes(event.status)) };
    },
    [venueId],
  );
  return (
    <LoadedPage loaded={loaded} title="Manage venue" what="the venue" notFound={notYours} back={{ href: '/organizer', label: 'Back to my events' }}>
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

function Manage({ venue, seats, events, reload }: Managed & { reload: () => void }) {
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
    if (error.kind === 'seats-exist') {
      const names = ((error.problem['seats'] as { row: string; number: number }[] | undefined) ?? []).map(seatName);
      return `Nothing was added: the section has ${names.join('; ')} already.`;
    }
    if (error.kind === 'sections-in-use') {
      const names = ((error.problem['sectionIds'] as string[] | undefined) ?? []).map(sectionName);
      return `Nothing was closed: ${names.join(', ')} ${names.length === 1 ? 'has' : 'have'} places held or sold for an event.`;
    }
    return failureOf(error);
  };

  /** Sends one change of the venue; on success reloads it (closed places are gone, added ones there). */
  const change = async (path: string, body: unknown, done: string): Promise<boolean> => {
    if (await run(() => api(`/catalog/venues/${venue.id}${path}`, { method: 'POST', body, idempotent: true }), done, refusal)) {
      setSelected(new Set());
      setConfirmingSection(undefined);
      reload();
      return true;
    }
    return false;
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
        closed. A closed section can be reopened with the seats closed with it.
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
                void change('/sections/close', { sectionIds: [confirming.id] }, `${confirming.name} is closed: no event sells its places any more.`)
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

      {venue.closedSections.length > 0 && (
        <>
          <h3>Closed sections</h3>
          <ul class="venue-list" aria-label="Closed sections">
            {venue.closedSections.map((section) => (
              <li key={section.id}>
                {section.name} <span class="muted">({plural(section.places, section.kind === 'seated' ? 'seat' : 'place')})</span>{' '}
                <button
                  type="button"
                  class="secondary"
                  disabled={busy}
                  onClick={() =>
                    void change(
                      '/sections/reopen',
                      { sectionIds: [section.id] },
                      `${section.name} is open again: its ${plural(section.places, 'place')} are on sale for the events that price “${section.category}”.${pricingNote(events, section.category)}`,
                    )
                  }
                >
                  Reopen {section.name}
                </button>
              </li>
            ))}
          </ul>
        </>
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
                void change(
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

      <h2>Add places</h2>
      <AddSeatsForm venue={venue} events={events} busy={busy} change={change} />
      <AddSectionForm events={events} busy={busy} change={change} />
    </Page>
  );
}

type Change = (path: string, body: unknown, done: string) => Promise<boolean>;

/** A form field's value as typed, without surrounding spaces. */
const field = (e: Event, name: string) => formValue(e, name).trim();

/** What new places of `category` need before they sell: the events of the venue that have no price for it yet. */
function pricingNote(events: readonly CatalogEvent[], category: string): string {
  const unpriced = events.filter((event) => !event.priceTiers.some((tier) => tier.category === category)).map((event) => `“${event.title}”`);
  if (unpriced.length === 0) return '';
  return ` ${unpriced.join(', ')} ${unpriced.length === 1 ? 'has' : 'have'} no price for “${category}” yet: set one on the event's page to sell them there.`;
}

/** A row for a seated section: a label it has continues that row, a new one goes below its lowest. */
function AddSeatsForm({ venue, events, busy, change }: { venue: PartnerVenue; events: readonly CatalogEvent[]; busy: boolean; change: Change }) {
  const seated = venue.sections.filter((section) => section.kind === 'seated');
  if (seated.length === 0) return null;
  const submit = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const section = seated.find((s) => s.id === field(e, 'seats-section')) ?? seated[0]!;
    const [row, seats, category] = [field(e, 'seats-row'), Number(field(e, 'seats-count')), field(e, 'seats-category').toLowerCase()];
    const done = `Added ${plural(seats, 'seat')} to ${section.name}, row ${row}.${pricingNote(events, category || section.category)}`;
    void change(`/sections/${section.id}/seats`, { rows: [{ row, seats, ...(category ? { category } : {}) }] }, done).then((ok) => ok && form.reset());
  };
  return (
    <form onSubmit={submit} aria-label="Add a row of seats">
      <fieldset class="editor-section">
        <legend>Add a row of seats</legend>
        <p class="hint">A row the section has gets longer; a new label is a new row below the others.</p>
        <div class="inline-fields">
          <div class="field">
            <label for="seats-section">Section</label>
            <select id="seats-section" name="seats-section">
              {seated.map((section) => (
                <option key={section.id} value={section.id}>
                  {section.name}
                </option>
              ))}
            </select>
          </div>
          <Field id="seats-row" label="Row" required maxLength={10} />
          <Field id="seats-count" label="Seats" type="number" min={1} max={500} required defaultValue="10" />
          <Field id="seats-category" label="Category (optional)" maxLength={50} />
        </div>
        <button type="submit" class="secondary" disabled={busy}>
          Add seats
        </button>
      </fieldset>
    </form>
  );
}

/** A new section below the others: seated rows A, B, … of equal length, or a standing area. */
function AddSectionForm({ events, busy, change }: { events: readonly CatalogEvent[]; busy: boolean; change: Change }) {
  const [kind, setKind] = useState<'seated' | 'general_admission'>('seated');
  const submit = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const [name, category] = [field(e, 'section-name'), field(e, 'section-category').toLowerCase()];
    const [rows, perRow, capacity] = [Number(field(e, 'section-rows')), Number(field(e, 'section-seats')), Number(field(e, 'section-capacity'))];
    const section =
      kind === 'seated'
        ? { name, kind, category, rows: Array.from({ length: rows }, (_, i) => ({ row: String.fromCharCode(65 + i), seats: perRow })) }
        : { name, kind, category, capacity };
    const places = kind === 'seated' ? rows * perRow : capacity;
    const done = `${name} is added with ${plural(places, 'place')}.${pricingNote(events, category)}`;
    void change('/sections', { sections: [section] }, done).then((ok) => ok && form.reset());
  };
  return (
    <form onSubmit={submit} aria-label="Add a section">
      <fieldset class="editor-section">
        <legend>Add a section</legend>
        <p class="hint">
          Below the others: seated rows A, B, … of equal length, or a standing area. Price categories are lower case, e.g. standard, vip, floor.
        </p>
        <div class="inline-fields">
          <div class="field">
            <label for="section-kind">Kind</label>
            <select id="section-kind" value={kind} onChange={(e) => setKind((e.currentTarget as HTMLSelectElement).value as typeof kind)}>
              <option value="seated">Seated</option>
              <option value="general_admission">Standing area</option>
            </select>
          </div>
          <Field id="section-name" label="Section name" required maxLength={100} />
          <Field id="section-category" label="Price category" required maxLength={50} />
          {kind === 'seated' ? (
            <>
              <Field id="section-rows" label="Rows" type="number" min={1} max={26} required defaultValue="2" />
              <Field id="section-seats" label="Seats per row" type="number" min={1} max={500} required defaultValue="10" />
            </>
          ) : (
            <Field id="section-capacity" label="Capacity (places)" type="number" min={1} max={100000} required defaultValue="100" />
          )}
        </div>
        <button type="submit" class="secondary" disabled={busy}>
          Add the section
        </button>
      </fieldset>
    </form>
  );
}
