/**
 * Every query the pg clients of this process send, for tests and benchmarks
 * that count or record what a service in this process asked the database.
 */
import pg from 'pg';

/** What a pg client of this process was asked to run: the query's text or config, and its values. */
export type QueryCall = [first: unknown, second: unknown];

const queryListeners = new Set<(call: QueryCall) => void>();
let queriesWrapped = false;

/**
 * Calls `listener` with every query any pg client of this process sends
 * (the services run in this process) until the returned function is called.
 * One wrapper around pg's Client.query serves every listener.
 */
export function onEveryQuery(listener: (call: QueryCall) => void): () => void {
  if (!queriesWrapped) {
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      for (const notify of queryListeners) notify([args[0], args[1]]);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    queriesWrapped = true;
  }
  queryListeners.add(listener);
  return () => void queryListeners.delete(listener);
}
