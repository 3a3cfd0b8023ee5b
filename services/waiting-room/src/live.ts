/**
 * Live places over Server-Sent Events. Each replica refreshes the places of
 * the streams it serves in one Redis round trip per interval (whichever
 * replica's scheduler admitted the buyer), and sends an event only when
 * something the buyer sees changed: `place` with the view (its `state`
 * becomes `admitted`, with the pass, at the moment of admission).
 */
import type { Logger } from '@ticketing/platform';
import type { EventStream } from '@ticketing/platform/sse';
import { viewOf, type PassIssuer, type PlaceView } from './places.js';
import type { Queue } from './queue.js';

interface Watcher {
  eventId: string;
  account: string;
  stream: EventStream;
  /** What was last sent, without the pass (re-signed on every refresh, it would always differ). */
  last: string | undefined;
  sequence: number;
}

export interface LivePlaces {
  /** Sends the place now and on every change until the stream closes. */
  watch(stream: EventStream, eventId: string, account: string): Promise<void>;
  readonly watching: number;
  stop(): void;
}

const comparable = (view: PlaceView) => JSON.stringify({ ...view, pass: view.pass === null ? null : 'pass' });

export function startLivePlaces(options: { queue: Queue; passes: PassIssuer; refreshMs: number; logger: Logger }): LivePlaces {
  const watchers = new Set<Watcher>();

  const send = async (watcher: Watcher, place: Awaited<ReturnType<Queue['place']>>) => {
    if (!place) {
      watcher.stream.send('closed', { eventId: watcher.eventId, reason: 'the waiting room was removed' });
      watcher.stream.close();
      return;
    }
    const view = await viewOf(watcher.eventId, watcher.account, place, options.passes);
    const key = comparable(view);
    if (key === watcher.last) return;
    watcher.last = key;
    watcher.sequence += 1;
    watcher.stream.send('place', view, String(watcher.sequence));
  };

  let refreshing = false;
  const refresh = async () => {
    if (refreshing || watchers.size === 0) return;
    refreshing = true;
    try {
      const list = [...watchers];
      const places = await options.queue.places(list);
      await Promise.all(list.map((w, i) => send(w, places[i])));
    } catch (error) {
      options.logger.warn('live places refresh failed', { error: (error as Error).message });
    } finally {
      refreshing = false;
    }
  };
  const timer = setInterval(() => void refresh(), options.refreshMs);
  timer.unref();

  return {
    get watching() {
      return watchers.size;
    },
    async watch(stream, eventId, account) {
      const watcher: Watcher = { eventId, account, stream, last: undefined, sequence: 0 };
      watchers.add(watcher);
      stream.onClose(() => watchers.delete(watcher));
      await send(watcher, await options.queue.place(eventId, account));
    },
    stop() {
      clearInterval(timer);
      watchers.clear();
    },
  };
}
