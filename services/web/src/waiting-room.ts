/**
 * The waiting room of an event, seen from the browser: the buyer's place,
 * kept current by the waiting room's event stream (read with fetch, which can
 * send the bearer token an EventSource cannot), and the admission pass, kept
 * in localStorage so a reload or a second tab holds with it.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import { getSession } from './session.js';

export type RoomState = 'before_onsale' | 'admitting' | 'closed' | 'sold_out';

export interface Place {
  eventId: string;
  state: 'not_queued' | 'waiting' | 'admitted';
  room: RoomState;
  position: number | null;
  queueLength: number;
  estimatedWaitSeconds: number | null;
  estimateBasis: 'admission-rate' | 'shopping-time' | null;
  provisional: boolean;
  onsaleAt: string;
  joinedAt: string | null;
  admittedAt: string | null;
  pass: string | null;
  passExpiresAt: string | null;
}

/** The header booking reads the pass from (services/platform/src/admission-pass.ts). */
export const admissionPassHeader = 'Waiting-Room-Pass';
const passKey = (eventId: string) => `ticketing.pass.${eventId}`;

/** The pass for `eventId`, if one is stored and has not expired. */
export function storedPass(eventId: string): string | undefined {
  try {
    const stored = JSON.parse(localStorage.getItem(passKey(eventId)) ?? 'null') as { pass: string; expiresAt: string } | null;
    if (stored && new Date(stored.expiresAt).getTime() > Date.now()) return stored.pass;
    localStorage.removeItem(passKey(eventId));
  } catch {
    // nothing usable stored
  }
  return undefined;
}

function keepPass(place: Place): void {
  if (place.pass && place.passExpiresAt) localStorage.setItem(passKey(place.eventId), JSON.stringify({ pass: place.pass, expiresAt: place.passExpiresAt }));
  else if (place.state !== 'admitted') localStorage.removeItem(passKey(place.eventId));
}

export type LivePlace = { place?: Place; error?: ApiError; via: 'stream' | 'polling' };

/** Reads `place` events from the stream until it ends or `signal` aborts. */
async function follow(eventId: string, signal: AbortSignal, onPlace: (place: Place) => void): Promise<void> {
  const session = getSession();
  const res = await fetch(`/api/waiting-room/events/${eventId}/queue/me/stream`, {
    headers: { accept: 'text/event-stream', ...(session ? { authorization: `Bearer ${session.accessToken}` } : {}) },
    signal,
  });
  if (!res.ok || !res.body) throw new ApiError(res.status, 'stream', 'The live updates are not available.');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (event === 'place' && data) onPlace(JSON.parse(data) as Place);
    }
  }
}

/**
 * Joins the queue (or gets the existing place back: a reload or a second tab
 * keeps it), then follows the place live. A dropped stream is re-opened after
 * a short pause, asking for the place meanwhile (which also renews an expired
 * access token).
 */
export function useLivePlace(eventId: string): LivePlace {
  const [live, setLive] = useState<LivePlace>({ via: 'stream' });
  useEffect(() => {
    const abort = new AbortController();
    const show = (place: Place) => {
      keepPass(place);
      setLive({ place, via: 'stream' });
    };
    void (async () => {
      try {
        show(await api<Place>(`/waiting-room/events/${eventId}/queue`, { method: 'POST', signal: abort.signal }));
      } catch (error) {
        if (!abort.signal.aborted) setLive({ error: error as ApiError, via: 'stream' });
        return;
      }
      while (!abort.signal.aborted) {
        try {
          await follow(eventId, abort.signal, show);
        } catch {
          // dropped or refused: fall through to a plain read and a retry
        }
        if (abort.signal.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        try {
          const place = await api<Place>(`/waiting-room/events/${eventId}/queue/me`, { signal: abort.signal });
          keepPass(place);
          setLive({ place, via: 'polling' });
        } catch {
          // keep what is shown; the next round tries again
        }
      }
    })();
    return () => abort.abort();
  }, [eventId]);
  return live;
}

/** Whether the event sells through a waiting room. */
export async function hasWaitingRoom(eventId: string, signal?: AbortSignal): Promise<boolean> {
  try {
    await api(`/waiting-room/events/${eventId}`, signal ? { signal } : {});
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return false;
    throw error;
  }
}

/** An estimate ("about 3 minutes") or, for a bound, "at most 10 minutes". */
export function describeWait(seconds: number, bound = false): string {
  const round = bound ? Math.ceil : Math.round;
  if (seconds < 60) return bound ? 'at most a minute' : 'under a minute';
  const minutes = round(seconds / 60);
  const amount = minutes < 90 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${round(minutes / 60)} hour${round(minutes / 60) === 1 ? '' : 's'}`;
  return `${bound ? 'at most' : 'about'} ${amount}`;
}
