/**
 * An event's sales, kept current: the analytics service's window stream
 * (the latest windows, then every new revision of one) and the event's
 * totals, read again whenever a window changes (they sum every window, also
 * those older than the stream's snapshot). A dropped stream is re-opened
 * after a short pause.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import { readEventStream } from './event-stream.js';
import type { SalesTotals, SalesWindow } from './types.js';

export interface LiveSales {
  /** The current revision of each window, by windowStart. */
  windows: Map<string, SalesWindow>;
  totals?: SalesTotals;
  /** Why nothing can be shown (not the partner's event, analytics down), before anything was. */
  error?: ApiError;
  /** Whether the stream is open now (else what is shown may be behind). */
  live: boolean;
}

const reconnectMs = 2_000;

export function useLiveSales(eventId: string): LiveSales {
  const [sales, setSales] = useState<LiveSales>({ windows: new Map(), live: false });
  useEffect(() => {
    setSales({ windows: new Map(), live: false });
    const abort = new AbortController();
    const { signal } = abort;

    // One read of the totals at a time; updates arriving meanwhile ask for one more after it.
    let reading: Promise<void> | undefined;
    let again = false;
    const readTotals = (): Promise<void> => {
      if (reading) {
        again = true;
        return reading;
      }
      reading = (async () => {
        do {
          again = false;
          const totals = await api<SalesTotals>(`/analytics/events/${eventId}/totals`, { signal });
          if (!signal.aborted) setSales((current) => ({ ...current, totals, error: undefined }));
        } while (again && !signal.aborted);
      })().finally(() => (reading = undefined));
      return reading;
    };

    const onWindow = (window: SalesWindow) => {
      setSales((current) => {
        const known = current.windows.get(window.windowStart);
        if (known && known.revision >= window.revision) return current;
        return { ...current, live: true, windows: new Map(current.windows).set(window.windowStart, window) };
      });
      readTotals().catch(() => undefined);
    };

    void (async () => {
      while (!signal.aborted) {
        try {
          // Also renews an expired access token before the stream asks with it.
          await readTotals();
          setSales((current) => ({ ...current, live: true }));
          await readEventStream(`/analytics/events/${eventId}/windows/stream`, signal, (event, data) => {
            if (event === 'window') onWindow(JSON.parse(data) as SalesWindow);
          });
        } catch (error) {
          if (signal.aborted) return;
          // Not this partner's event: asking again will not change that.
          if (error instanceof ApiError && (error.status === 403 || error.status === 404))
            return void setSales((current) => ({ ...current, error, live: false }));
          if (error instanceof ApiError) setSales((current) => ({ ...current, error: current.totals ? undefined : error }));
        }
        if (signal.aborted) return;
        setSales((current) => ({ ...current, live: false }));
        await new Promise((resolve) => setTimeout(resolve, reconnectMs));
      }
    })();
    return () => abort.abort();
  }, [eventId]);
  return sales;
}
