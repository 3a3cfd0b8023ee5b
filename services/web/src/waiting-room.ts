/**
 * The waiting room of an event, seen from the browser: the buyer's place,
 * kept current by the waiting room's event stream (read with the session's
 * token, see event-stream.ts), and the admission pass, kept
 * in localStorage so a reload or a second tab holds with it.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import { readEventStream } from './event-stream.js';
import type { PlaceView as Place } from '@ticketing/waiting-room/places';

/** A buyer's place as the waiting room answers it (join, ask, every update of its stream). */
export type { Place };

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
          await readEventStream(`/waiting-room/events/${eventId}/queue/me/stream`, abort.signal, (event, data) => {
            if (event === 'place') show(JSON.parse(data) as Place);
          });
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
