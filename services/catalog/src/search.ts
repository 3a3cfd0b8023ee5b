import { inputOf, problems, sendCacheable, type Pool } from '@ticketing/platform';
import { eventColumns, toEvent, type EventRow } from './events/queries.js';
import type { RouteDeps } from './deps.js';
import type { SearchCache } from './search-cache.js';

/** Page size when `limit` is not given (capped by SEARCH_PAGE_SIZE_MAX). */
export const SEARCH_DEFAULT_PAGE_SIZE = 20;

interface SearchQuery {
  city?: string;
  from?: string;
  to?: string;
  q?: string;
  status: 'on_sale' | 'cancelled';
  limit: number;
  cursor?: string;
}

/**
 * The position after which the next page starts: the last event's start time
 * (as PostgreSQL text, microsecond precision, UTC) and id. Opaque to clients.
 */
interface Cursor {
  startsAt: string;
  id: string;
}

const cursorPattern = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.startsAt}|${cursor.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(raw: string): Cursor {
  const match = /^[A-Za-z0-9_-]+$/.test(raw) ? cursorPattern.exec(Buffer.from(raw, 'base64url').toString('utf8')) : null;
  if (!match || Number.isNaN(Date.parse(match[1]!))) {
    throw problems.validation([{ field: 'query.cursor', message: 'is not a cursor this service issued' }]);
  }
  return { startsAt: match[1]!, id: match[2]! };
}

export function registerSearchRoutes({ api, pool, pageSizeMax, searchCache }: RouteDeps & { pageSizeMax: number; searchCache: SearchCache }): void {
  api.operation('get', '/events', async (req, res) => {
    const query = inputOf(req).query as unknown as SearchQuery;
    if (req.query.limit === undefined)
      query.limit = Math.min(query.limit, pageSizeMax); // the default, capped
    else if (query.limit > pageSizeMax) throw problems.validation([{ field: 'query.limit', message: `must be <= ${pageSizeMax}` }]);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);

    const answer = await searchCache.get(
      JSON.stringify([query.status, query.city?.toLowerCase(), query.from, query.to, query.q, query.limit, query.cursor]),
      () => searchEvents(pool, query, cursor),
    );
    // Revalidated on every use (a write may land any time); an unchanged answer costs a 304.
    sendCacheable(req, res, { ...answer, cacheControl: 'public, no-cache' });
  });
}

async function searchEvents(pool: Pool, query: SearchQuery, cursor: Cursor | undefined) {
  const values: unknown[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  const where = [`e.status = ${param(query.status)}`];
  if (query.city !== undefined) where.push(`lower(v.city) = lower(${param(query.city)})`);
  if (query.from !== undefined) where.push(`e.starts_at >= ${param(query.from)}::timestamptz`);
  if (query.to !== undefined) where.push(`e.starts_at < ${param(query.to)}::timestamptz`);
  if (query.q !== undefined) {
    const tsQuery = `websearch_to_tsquery('simple', ${param(query.q)})`;
    where.push(`(e.search @@ ${tsQuery} OR to_tsvector('simple', v.name) @@ ${tsQuery})`);
  }
  if (cursor) where.push(`(e.starts_at, e.id) > (${param(cursor.startsAt)}::timestamptz, ${param(cursor.id)}::uuid)`);

  // One more than a page tells whether there is a next one.
  const { rows } = await pool.query<EventRow & { cursor_starts_at: string }>(
    `SELECT ${eventColumns},
              to_char(e.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_starts_at
         FROM catalog.events e JOIN catalog.venues v ON v.id = e.venue_id
        WHERE ${where.join(' AND ')}
        ORDER BY e.starts_at, e.id
        LIMIT ${param(query.limit + 1)}`,
    values,
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toEvent),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ startsAt: last.cursor_starts_at, id: last.id }) : null,
  };
}
