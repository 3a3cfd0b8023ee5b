import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';

export type Loaded<T> = { state: 'loading' } | { state: 'error'; error: ApiError } | { state: 'ready'; value: T };

/** Loads once per `key` (and again on reload()); a failure is an ApiError with a message to show. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, key: readonly unknown[]): [Loaded<T>, () => void, (value: T) => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    load(abort.signal).then(
      (value) => !abort.signal.aborted && setLoaded({ state: 'ready', value }),
      (error: unknown) => {
        if (abort.signal.aborted) return;
        setLoaded({ state: 'error', error: error instanceof ApiError ? error : new ApiError(0, 'error', 'Something went wrong. Please reload the page.') });
      },
    );
    return () => abort.abort();
  }, [...key, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  const set = useCallback((value: T) => setLoaded({ state: 'ready', value }), []);
  return [loaded, reload, set];
}
