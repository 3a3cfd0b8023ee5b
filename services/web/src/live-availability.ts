/**
 * Availability of one event, kept current without a reload: the booking
 * service's event stream (a `snapshot`, then `changes`), or, where the stream
 * cannot be had (no EventSource, the stream refused), polling that
 * revalidates with the server's ETag (an unchanged answer is a 304).
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import type { Availability, SeatStatus } from './types.js';

export interface LiveAvailability {
  seats: Map<string, SeatStatus>;
  ga: Map<string, number>;
  /** How updates arrive now. */
  via: 'stream' | 'polling';
}

interface Changes {
  seats: { seatId: string; status: SeatStatus }[];
  generalAdmission: { sectionId: string; available: number }[];
}

function toLive(availability: Availability, via: LiveAvailability['via']): LiveAvailability {
  return {
    seats: new Map(availability.seats.map((s) => [s.seatId, s.status])),
    ga: new Map(availability.generalAdmission.map((g) => [g.sectionId, g.available])),
    via,
  };
}

function applyChanges(live: LiveAvailability, changes: Changes): LiveAvailability {
  const seats = new Map(live.seats);
  for (const change of changes.seats) seats.set(change.seatId, change.status);
  const ga = new Map(live.ga);
  for (const change of changes.generalAdmission) ga.set(change.sectionId, change.available);
  return { ...live, seats, ga };
}

const pollMs = 1_000;

export function useLiveAvailability(eventId: string): [LiveAvailability | undefined, (change: (live: LiveAvailability) => LiveAvailability) => void] {
  const [live, setLive] = useState<LiveAvailability>();
  useEffect(() => {
    setLive(undefined);
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let source: EventSource | undefined;

    const poll = async () => {
      try {
        const availability = await api<Availability>(`/booking/events/${eventId}/availability`);
        if (!stopped) setLive(toLive(availability, 'polling'));
      } catch {
        // keep the last known state; the next poll tries again
      }
      if (!stopped) timer = setTimeout(() => void poll(), pollMs);
    };

    if (typeof EventSource === 'undefined') {
      void poll();
    } else {
      source = new EventSource(`/api/booking/events/${eventId}/availability/stream`);
      source.addEventListener('snapshot', (message) => setLive(toLive(JSON.parse(message.data) as Availability, 'stream')));
      source.addEventListener('changes', (message) => setLive((current) => current && applyChanges(current, JSON.parse(message.data) as Changes)));
      // A dropped stream reconnects by itself (and gets a fresh snapshot); one the server refused does not: poll instead.
      source.addEventListener('error', () => {
        if (source?.readyState !== EventSource.CLOSED || stopped) return;
        source = undefined;
        void poll();
      });
    }
    return () => {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    };
  }, [eventId]);
  return [live, (change) => setLive((current) => (current ? change(current) : current))];
}
