import { problems } from '@ticketing/platform';

/**
 * Keyset pages of a list ordered by a timestamp, then id (search by start
 * time, a partner's events and venues). The cursor names the last row of a
 * page: its timestamp as PostgreSQL text (microsecond precision, UTC, so no
 * rounding skips or repeats a row) and its id. Opaque to clients.
 */
export interface Position {
  at: string;
  id: string;
}

const positionPattern = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function encodeCursor(position: Position): string {
  return Buffer.from(`${position.at}|${position.id}`, 'utf8').toString('base64url');
}

/** The position a `cursor` query parameter names (undefined: the first page); 400 when no page ever issued it. */
export function decodeCursor(raw: string | undefined): Position | undefined {
  if (raw === undefined) return undefined;
  const match = /^[A-Za-z0-9_-]+$/.test(raw) ? positionPattern.exec(Buffer.from(raw, 'base64url').toString('utf8')) : null;
  if (!match || Number.isNaN(Date.parse(match[1]!))) {
    throw problems.validation([{ field: 'query.cursor', message: 'is not a cursor this service issued' }]);
  }
  return { at: match[1]!, id: match[2]! };
}

/** A select-list column with the row's position timestamp as the cursor holds it (`cursor_at`). */
export const cursorAtColumn = (timestamp: string) => `to_char(${timestamp} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at`;

/** One page from `limit + 1` rows read in list order (one more than a page tells whether there is a next). */
export function pageOf<Row extends { cursor_at: string; id: string }, Item>(rows: Row[], limit: number, toItem: (row: Row) => Item) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(toItem), nextCursor: rows.length > limit && last ? encodeCursor({ at: last.cursor_at, id: last.id }) : null };
}
