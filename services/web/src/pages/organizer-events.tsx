import { useLocation } from 'preact-iso';
import { allPages, api, pagePath, type ListPage } from '../api.js';
import { LoadedPage } from '../components/loaded-page.js';
import { Notice } from '../components/notice.js';
import { Page } from '../components/page.js';
import { TableHead, type Column } from '../components/table-head.js';
import { statusNames } from '../event-status.js';
import { formatDateTime, formatMoney } from '../format.js';
import type { CatalogEvent, EventSales, PartnerVenue } from '../types.js';
import { useAction } from '../use-action.js';
import { useLoad } from '../use-load.js';

const columns: Column[] = [
  { name: 'Event' },
  { name: 'Starts' },
  { name: 'Status' },
  { name: 'Sold', number: true },
  { name: 'Held', number: true },
  { name: 'Available', number: true },
  { name: 'Revenue', number: true },
  { name: 'Sales per minute' },
];

/** Events per page of the list; their sales come with them (one request per page). */
const pageSize = 50;

interface Row {
  event: CatalogEvent;
  sales: EventSales | undefined;
}

/** A page of the organizer's events (those to come and running, or every one with `past`) with each one's sales. */
async function eventsPage(past: boolean, cursor: string | null, signal?: AbortSignal): Promise<{ rows: Row[]; nextCursor: string | null }> {
  const filter = past ? '' : `&endsAfter=${encodeURIComponent(new Date().toISOString())}`;
  const events = await api<ListPage<CatalogEvent>>(pagePath(`/catalog/partner/events?limit=${pageSize}${filter}`, cursor), { signal });
  const ids = events.items.map((event) => event.id);
  const sales = ids.length === 0 ? [] : (await api<{ items: EventSales[] }>(`/booking/partner/sales?eventIds=${ids.join(',')}`, { signal })).items;
  const byEvent = new Map(sales.map((s) => [s.eventId, s]));
  return { rows: events.items.map((event) => ({ event, sales: byEvent.get(event.id) })), nextCursor: events.nextCursor };
}

/** The organizer's events (those to come first; the past on request) with what each has sold, holds and has left, and its revenue; then their venues. */
export default function OrganizerEvents() {
  const { query } = useLocation();
  const past = query['past'] === '1';
  const [loaded, reload, set] = useLoad(
    async (signal) => {
      const [events, venues] = await Promise.all([eventsPage(past, null, signal), allPages<PartnerVenue>('/catalog/partner/venues', { signal })]);
      return { ...events, venues };
    },
    [past],
  );
  const { busy, outcome, run } = useAction();
  return (
    <LoadedPage loaded={loaded} title="My events" what="your events" notFound="Nothing found.">
      {({ rows, nextCursor, venues }) => {
        const created = rows.find((r) => r.event.id === query['created']);
        const showMore = () =>
          run(async () => {
            const more = await eventsPage(past, nextCursor);
            set({ rows: [...rows, ...more.rows], nextCursor: more.nextCursor, venues });
          }, 'More events are shown.');
        return (
          <Page title="My events" wide>
            {created && <Notice kind="success">“{created.event.title}” is created.</Notice>}
            <p class="actions">
              <a class="button" href="/organizer/events/new">
                New event
              </a>
              <a class="button secondary-link" href="/organizer/venues/new">
                New venue
              </a>
              <a class="button secondary-link" href="/organizer/imports">
                Import a file
              </a>
              <button type="button" class="secondary" onClick={reload}>
                Refresh figures
              </button>
              <a class="button secondary-link" href={past ? '/organizer' : '/organizer?past=1'}>
                {past ? 'Hide past events' : 'Show past events too'}
              </a>
            </p>
            {rows.length === 0 ? (
              <p>
                {venues.length === 0
                  ? 'You have no events yet. Create a venue first, then an event at it.'
                  : past
                    ? 'You have no events yet.'
                    : 'You have no events to come.'}
              </p>
            ) : (
              <div class="table-scroll table-cards" tabIndex={0} role="region" aria-label="Your events and their sales">
                <table>
                  <TableHead columns={columns} />
                  <tbody>
                    {rows.map(({ event, sales }) => (
                      <tr key={event.id}>
                        <th scope="row">
                          <a href={`/events/${event.id}`}>{event.title}</a>
                          <br />
                          <span class="muted">{event.venue.name}</span>{' '}
                          <a href={`/organizer/events/${event.id}`} aria-label={`Manage ${event.title}`}>
                            Manage
                          </a>
                        </th>
                        <td data-label={columns[1]!.name}>{formatDateTime(event.startsAt, event.venue.timezone)}</td>
                        <td data-label={columns[2]!.name}>{statusNames[event.status]}</td>
                        <td data-label={columns[3]!.name} class="number">
                          {sales?.sold ?? 0}
                        </td>
                        <td data-label={columns[4]!.name} class="number">
                          {sales?.held ?? 0}
                        </td>
                        <td data-label={columns[5]!.name} class="number">
                          {sales ? `${sales.available} of ${sales.capacity}` : '–'}
                        </td>
                        <td data-label={columns[6]!.name} class="number">
                          {sales && sales.revenue.currency ? formatMoney(sales.revenue.cents, sales.revenue.currency) : '–'}
                        </td>
                        <td data-label={columns[7]!.name}>
                          <a href={`/organizer/events/${event.id}/sales`}>
                            Live chart<span class="visually-hidden"> of {event.title}</span>
                          </a>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {outcome?.kind === 'error' && <Notice kind="error">{outcome.text}</Notice>}
            {nextCursor && (
              <p>
                <button type="button" class="secondary" disabled={busy} onClick={showMore}>
                  {busy ? 'Loading…' : `Show ${pageSize} more events`}
                </button>
              </p>
            )}
            <h2>My venues</h2>
            {venues.length === 0 ? (
              <p>No venues yet.</p>
            ) : (
              <ul class="venue-list">
                {venues.map((venue) => (
                  <li key={venue.id}>
                    <a href={`/organizer/venues/${venue.id}`} aria-label={`Manage ${venue.name}, ${venue.city}`}>
                      {venue.name}
                    </a>{' '}
                    <span class="muted">
                      {venue.city} · {venue.capacity} places
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Page>
        );
      }}
    </LoadedPage>
  );
}
