import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Loading, Notice } from '../components/notice.js';
import { Page } from '../components/page.js';
import { formatDateTime, formatMoney } from '../format.js';
import type { CatalogEvent, SearchPage } from '../types.js';
import { useLoad } from '../use-load.js';

/** Search filters live in the URL (?q=&city=&from=&to=), so results can be shared and Back works. */
interface Filters {
  q: string;
  city: string;
  from: string;
  to: string;
}

function searchPath(filters: Filters, cursor?: string): string {
  const query = new URLSearchParams();
  if (filters.q.trim()) query.set('q', filters.q.trim());
  if (filters.city.trim()) query.set('city', filters.city.trim());
  // Dates are whole days in the buyer's time zone: from the start of `from` to the end of `to`.
  if (filters.from) query.set('from', new Date(`${filters.from}T00:00:00`).toISOString());
  if (filters.to) query.set('to', new Date(new Date(`${filters.to}T00:00:00`).getTime() + 86_400_000).toISOString());
  query.set('limit', '10');
  if (cursor) query.set('cursor', cursor);
  return `/catalog/events?${query.toString()}`;
}

function lowestPrice(event: CatalogEvent): string | undefined {
  const tier = [...event.priceTiers].sort((a, b) => a.priceCents - b.priceCents)[0];
  return tier ? formatMoney(tier.priceCents, tier.currency) : undefined;
}

export default function SearchEvents() {
  const { query, route } = useLocation();
  const filters: Filters = { q: query['q'] ?? '', city: query['city'] ?? '', from: query['from'] ?? '', to: query['to'] ?? '' };
  const [form, setForm] = useState(filters);
  const [more, setMore] = useState<{ items: CatalogEvent[]; nextCursor: string | null; loading: boolean; error?: ApiError }>();
  const [first] = useLoad((signal) => api<SearchPage>(searchPath(filters), { signal }), [filters.q, filters.city, filters.from, filters.to]);

  const submit = (event: Event) => {
    event.preventDefault();
    setMore(undefined);
    const params = new URLSearchParams(Object.entries(form).filter(([, value]) => value.trim() !== ''));
    route(params.size ? `/?${params.toString()}` : '/');
  };

  const items = first.state === 'ready' ? [...first.value.items, ...(more?.items ?? [])] : [];
  const nextCursor = more ? more.nextCursor : first.state === 'ready' ? first.value.nextCursor : null;
  const loadMore = async () => {
    if (!nextCursor) return;
    setMore({ items: more?.items ?? [], nextCursor, loading: true });
    try {
      const page = await api<SearchPage>(searchPath(filters, nextCursor));
      setMore({ items: [...(more?.items ?? []), ...page.items], nextCursor: page.nextCursor, loading: false });
    } catch (error) {
      setMore({ items: more?.items ?? [], nextCursor, loading: false, error: error as ApiError });
    }
  };
  const field = (name: keyof Filters) => ({
    id: `search-${name}`,
    name,
    value: form[name],
    onInput: (e: Event) => setForm({ ...form, [name]: (e.currentTarget as HTMLInputElement).value }),
  });

  return (
    <Page title="Find events">
      {query['deleted'] === '1' && <Notice kind="success">Your account is deleted. Thank you for having been with us.</Notice>}
      <form class="search-form" role="search" onSubmit={submit}>
        <div class="field field-wide">
          <label for="search-q">What</label>
          <input type="search" placeholder="Artist, event or venue" {...field('q')} />
        </div>
        <div class="field">
          <label for="search-city">City</label>
          <input type="text" autocomplete="address-level2" {...field('city')} />
        </div>
        <div class="field">
          <label for="search-from">From</label>
          <input type="date" {...field('from')} />
        </div>
        <div class="field">
          <label for="search-to">Until</label>
          <input type="date" {...field('to')} />
        </div>
        <button type="submit">Search</button>
      </form>

      {first.state === 'loading' && <Loading what="events" />}
      {first.state === 'error' && <Notice kind="error">{first.error.message}</Notice>}
      {first.state === 'ready' && (
        <>
          <p role="status" class="result-count">
            {items.length === 0 ? 'No events match your search.' : `Showing ${items.length} event${items.length === 1 ? '' : 's'}.`}
          </p>
          <ul class="event-list">
            {items.map((event) => (
              <li key={event.id} class="event-card">
                <h2>
                  <a href={`/events/${event.id}`}>{event.title}</a>
                </h2>
                <p>
                  <time dateTime={event.startsAt}>{formatDateTime(event.startsAt, event.venue.timezone)}</time>
                  {' · '}
                  {event.venue.name}, {event.venue.city}
                </p>
                {lowestPrice(event) && <p class="price">From {lowestPrice(event)}</p>}
              </li>
            ))}
          </ul>
          {more?.error && <Notice kind="error">{more.error.message}</Notice>}
          {nextCursor && (
            <button type="button" class="secondary" onClick={() => void loadMore()} disabled={more?.loading}>
              {more?.loading ? 'Loading…' : 'More events'}
            </button>
          )}
        </>
      )}
    </Page>
  );
}
