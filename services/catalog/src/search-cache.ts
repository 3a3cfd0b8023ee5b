import { etagOf, type Logger, type Pool } from '@ticketing/platform';
import type pg from 'pg';

/** The channel migration 004's triggers notify on every write to what a search returns. */
export const searchChangedChannel = 'catalog_search_changed';

export interface CachedSearch {
  body: Buffer;
  etag: string;
}

export interface SearchCacheOptions {
  pool: Pool;
  logger: Logger;
  /** Longest an answer is kept even without a write (a safety net; writes drop it at once). */
  ttlMs: number;
  /** Answers kept at most (oldest dropped first). @default 500 */
  maxEntries?: number;
  /** Wait before listening again after the listening connection broke. @default 1000 */
  relistenMs?: number;
}

/**
 * Search answers cached per process. Every catalog write, from any process,
 * drops them: the tables' triggers NOTIFY `catalog_search_changed`, and each
 * process LISTENs on a connection of its own. A write through this process
 * also drops them as soon as it has answered (before its client can search
 * again, so nobody misses their own write). While the listening connection is
 * down nothing is cached (a write could go unseen). Identical concurrent
 * searches share one query.
 */
export function createSearchCache({ pool, logger, ttlMs, maxEntries = 500, relistenMs = 1000 }: SearchCacheOptions) {
  const entries = new Map<string, { at: number; answer: Promise<CachedSearch> }>();
  /** Bumped by every invalidation: a query that started before one is not kept. */
  let generation = 0;
  let listener: pg.PoolClient | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  function invalidate(): void {
    generation++;
    entries.clear();
  }

  function lost(client: pg.PoolClient, error: unknown): void {
    if (listener !== client) return;
    listener = undefined;
    invalidate();
    client.release(error instanceof Error ? error : new Error('search cache listener lost'));
    if (!stopped) {
      logger.warn('search cache: listening connection lost; not caching until it is back', { error: (error as Error).message });
      retry = setTimeout(() => void listen(), relistenMs);
    }
  }

  async function listen(): Promise<void> {
    let client: pg.PoolClient | undefined;
    try {
      client = await pool.connect();
      const connection = client;
      connection.on('error', (error) => lost(connection, error));
      connection.on('notification', () => invalidate());
      await connection.query(`LISTEN ${searchChangedChannel}`);
      if (stopped) return connection.release();
      // Anything written before LISTEN took effect may be in no cache: start empty.
      invalidate();
      listener = connection;
    } catch (error) {
      client?.release(error as Error);
      if (!stopped) retry = setTimeout(() => void listen(), relistenMs);
    }
  }

  const started = listen();

  return {
    /** Resolves once the first LISTEN is in place (or failed; it is retried). */
    ready: () => started,
    /** The cached answer for `key`, or `load`'s (kept when no write happened meanwhile). */
    async get(key: string, load: () => Promise<unknown>): Promise<CachedSearch> {
      const encode = async () => {
        const body = Buffer.from(JSON.stringify(await load()));
        return { body, etag: etagOf(body) };
      };
      if (!listener) return encode();
      const cached = entries.get(key);
      if (cached && Date.now() - cached.at < ttlMs) return cached.answer;
      const startedIn = generation;
      const answer = encode();
      const entry = { at: Date.now(), answer };
      entries.delete(key);
      entries.set(key, entry);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
      answer.then(
        () => {
          if (generation !== startedIn && entries.get(key) === entry) entries.delete(key);
        },
        () => {
          if (entries.get(key) === entry) entries.delete(key);
        },
      );
      return answer;
    },
    invalidate,
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(retry);
      await started;
      const client = listener;
      listener = undefined;
      if (client) {
        const unlistened = await client.query(`UNLISTEN ${searchChangedChannel}`).then(
          () => undefined,
          (error: unknown) => error as Error,
        );
        client.release(unlistened);
      }
    },
  };
}

export type SearchCache = ReturnType<typeof createSearchCache>;
