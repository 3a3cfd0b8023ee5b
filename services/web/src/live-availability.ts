/**
 * Availability of one event, kept current without a reload: the booking
 * service's event stream when the browser has EventSource, else polling that
 * revalidates with the server's ETag (an unchanged answer is a 304).
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import type { Availability, SeatStatus } from './types.js';

export interface LiveAvailability {
  seats: Map<string, SeatStatus>;
  ga: Map<string, number>;
  /** When the last update arrived. */
  updatedAt: number;
}

export function toLive(availability: Availability): LiveAvailability {
  return {
    seats: new Map(availability.seats.map((s) => [s.seatId, s.status])),
    ga: new Map(availability.generalAdmission.map((g) => [g.sectionId, g.available])),
    updatedAt: Date.now(),
  };
}

const pollMs = 1_000;

export function useLiveAvailability(eventId: string): [LiveAvailability | undefined, (change: (live: LiveAvailability) => LiveAvailability) => void] {
  const [live, setLive] = useState<LiveAvailability>();
  useEffect(() => {
    setLive(undefined);
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const availability = await api<Availability>(`/booking/events/${eventId}/availability`);
        if (!stopped) setLive(toLive(availability));
      } catch {
        // keep the last known state; the next poll tries again
      }
      if (!stopped) timer = setTimeout(() => void poll(), pollMs);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [eventId]);
  return [live, (change) => setLive((current) => (current ? change(current) : current))];
}
