import { inputOf, problems, sendCacheable, type Pool } from '@ticketing/platform';
import { eventColumns, toEvent, type EventRow } from './events/queries.js';
import type { RouteDeps } from './deps.js';
import { cursorAtColumn, decodeCursor, pageOf, type Position } from './keyset-page.js';
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

export function registerSearchRoutes({ api, pool, pageSizeMax, searchCache }: RouteDeps & { pageSizeMax: number; searchCache: SearchCache }): void {
  api.operation('get', '/events', async (req, res) => {
    const query = inputOf(req).query as unknown as SearchQuery;
    if (req.query.limit === undefined)
      query.limit = Math.min(query.limit, pageSizeMax); // the default, capped
    else if (query.limit > pageSizeMax) throw problems.validation([{ field: 'query.limit', message: `must be <= ${pageSizeMax}` }]);
    const cursor = decodeCursor(query.cursor);

    const answer = await searchCache.get(
      JSON.stringify([query.status, query.city?.toLowerCase(), query.from, query.to, query.q, query.limit, query.cursor]),
      () => searchEvents(pool, query, cursor),
    );
    // Revalidated on every use (a write may land any time); an unchanged answer costs a 304.
    sendCacheable(req, res, { ...answer, cacheControl: 'public, no-cache' });
  });
}

async function searchEvents(pool: Pool, query: SearchQuery, cursor: Position | undefined) {
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
  if (cursor) where.push(`(e.starts_at, e.id) > (${param(cursor.at)}::timestamptz, ${param(cursor.id)}::uuid)`);

  const { rows } = await pool.query<EventRow & { cursor_at: string }>(
    `SELECT ${eventColumns}, ${cursorAtColumn('e.starts_at')}
         FROM catalog.events e JOIN catalog.venues v ON v.id = e.venue_id
        WHERE ${where.join(' AND ')}
        ORDER BY e.starts_at, e.id
        LIMIT ${param(query.limit + 1)}`,
    values,
  );
  return pageOf(rows, query.limit, toEvent);
}
