import type { Logger } from '@ticketing/platform';
import pg from 'pg';
import type { WindowResult } from './results-schema.js';
import { windowUpdatesChannel } from './stream-job.js';

type Listener = (result: WindowResult) => void;

/**
 * Window updates as they commit, on every replica: the stream job announces
 * each revision with NOTIFY in the transaction that made it, and this
 * LISTENs on its own connection and hands each to the subscribers of its
 * event (the live streams). If that connection breaks, `onGap` runs (streams
 * are closed so clients reconnect and read a fresh snapshot) and it
 * reconnects.
 */
export function startWindowUpdates(options: { databaseUrl: string; logger: Logger; onGap(): void }) {
  const subscribers = new Map<string, Set<Listener>>();
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let listening = false;

  const deliver = (payload: string | undefined) => {
    if (!payload) return;
    const result = JSON.parse(payload) as WindowResult;
    for (const listener of subscribers.get(result.eventId) ?? []) listener(result);
  };

  const connect = async (attempt: number): Promise<void> => {
    const next = new pg.Client({ connectionString: options.databaseUrl });
    next.on('notification', (message) => deliver(message.payload));
    next.on('error', (error) => lost(next, error));
    next.on('end', () => lost(next, new Error('connection ended')));
    try {
      await next.connect();
      await next.query(`LISTEN ${windowUpdatesChannel}`);
      if (stopped) return void (await next.end());
      client = next;
      listening = true;
      if (attempt > 1) options.logger.info('window updates: listening again');
    } catch (error) {
      next.removeAllListeners('end');
      await next.end().catch(() => undefined);
      if (stopped) return;
      if (attempt === 1) options.logger.warn('window updates: cannot listen; retrying', { error: (error as Error).message });
      retry = setTimeout(() => void connect(attempt + 1), Math.min(5_000, 500 * attempt));
    }
  };

  function lost(which: pg.Client, error: Error) {
    if (which !== client || stopped) return;
    client = undefined;
    listening = false;
    options.logger.warn('window updates: connection lost; reconnecting', { error: error.message });
    options.onGap();
    void connect(2);
  }

  void connect(1);

  return {
    get listening() {
      return listening;
    },
    /** Calls `listener` with every revision of `eventId`'s windows from now on; returns the unsubscribe. */
    subscribe(eventId: string, listener: Listener): () => void {
      let set = subscribers.get(eventId);
      if (!set) subscribers.set(eventId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && subscribers.get(eventId) === set) subscribers.delete(eventId);
      };
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
