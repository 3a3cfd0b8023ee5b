import { useLocation } from 'preact-iso';
import { api } from '../api.js';
import { LoadedPage } from '../components/loaded-page.js';
import { Notice } from '../components/notice.js';
import { Page } from '../components/page.js';
import { TableHead, type Column } from '../components/table-head.js';
import { statusNames } from '../event-status.js';
import { formatDateTime, formatMoney } from '../format.js';
import type { CatalogEvent, EventSales, PartnerVenue } from '../types.js';
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

/** The organizer's events with what each has sold, holds and has left, and its revenue; then their venues. */
export default function OrganizerEvents() {
  const { query } = useLocation();
  const [loaded, reload] = useLoad(async (signal) => {
    const [events, sales, venues] = await Promise.all([
      api<{ items: CatalogEvent[] }>('/catalog/partner/events', { signal }),
      api<{ items: EventSales[] }>('/booking/partner/sales', { signal }),
      api<{ items: PartnerVenue[] }>('/catalog/partner/venues', { signal }),
    ]);
    const byEvent = new Map(sales.items.map((s) => [s.eventId, s]));
    return { rows: events.items.map((event) => ({ event, sales: byEvent.get(event.id) })), venues: venues.items };
  }, []);
  return (
    <LoadedPage loaded={loaded} title="My events" what="your events" notFound="Nothing found.">
      {({ rows, venues }) => {
        const created = rows.find((r) => r.event.id === query['created']);
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
            </p>
            {rows.length === 0 ? (
              <p>You have no events yet. Create a venue first, then an event at it.</p>
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
