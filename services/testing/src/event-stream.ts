/** A Server-Sent Events client for tests and benchmarks: the events as they arrive, and a wait for the next one that matches. */

export interface ReceivedEvent {
  event: string;
  /** The parsed JSON of the event's data (its shape is the stream's). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers of any shape, as elsewhere in the harness
  data: any;
  receivedAt: number;
}

export interface OpenEventStream {
  status: number;
  headers: Headers;
  /** Every event received so far. */
  events: ReceivedEvent[];
  /** Bytes received so far (the wire cost of the stream). */
  bytes(): number;
  /** Resolves with the first event (already received or yet to come) that matches; rejects after `timeoutMs`. */
  next(match: (event: ReceivedEvent) => boolean, timeoutMs?: number): Promise<ReceivedEvent>;
  close(): void;
}

/** Opens `url` as an event stream (a non-stream answer resolves too, with its status and no events). */
export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<OpenEventStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: ReceivedEvent[] = [];
  const waiters = new Set<() => void>();
  let bytes = 0;
  if (res.ok && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          bytes += chunk.byteLength;
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const lines = frame.split('\n');
            const name = lines.find((l) => l.startsWith('event: '))?.slice(7);
            const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
            if (!name || data.length === 0) continue; // retry: lines, heartbeats
            events.push({ event: name, data: JSON.parse(data.join('\n')), receivedAt: Date.now() });
            for (const wake of waiters) wake();
          }
        }
      } catch {
        // closed
      }
    })();
  } else {
    await res.body?.cancel();
  }
  return {
    status: res.status,
    headers: res.headers,
    events,
    bytes: () => bytes,
    next(match, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; received: ${JSON.stringify(events.map((e) => e.event))}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () => abort.abort(),
  };
}
