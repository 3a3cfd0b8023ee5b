/**
 * The demo catalog `npm start` keeps ready, so the web UI a newcomer opens
 * lists events they can buy a seat at: one venue of the demo organizer (a
 * seated hall with a real seat map — stalls, a premium front, a balcony —
 * and a standing floor) and a few events on sale at it in the coming weeks.
 * Everything goes through the catalog's own API as the organizer (booking
 * then builds each event's inventory from the catalog's changes, as for any
 * event). Idempotent: the venue is found by name, an event by its title
 * among the organizer's upcoming events; only what is missing is created
 * (an event that has taken place is replaced by a new date).
 */
import { randomUUID } from 'node:crypto';

export const demoVenueName = 'Aurora Hall';

/** Centres a row of `seats` on the widest row (`width` seats) of its section. */
const centred = (row: string, seats: number, width: number, category?: string) => ({
  row,
  seats,
  offset: (width - seats) / 2,
  ...(category ? { category } : {}),
});

export const demoVenue = {
  name: demoVenueName,
  city: 'Lisbon',
  address: 'Rua da Aurora 12',
  timezone: 'Europe/Lisbon',
  sections: [
    {
      name: 'Stalls',
      kind: 'seated',
      category: 'standard',
      origin: { x: 0, y: 0 },
      // Narrow at the stage, wider towards the back; the first two rows are the premium seats.
      rows: [
        centred('A', 12, 20, 'premium'),
        centred('B', 14, 20, 'premium'),
        centred('C', 16, 20),
        centred('D', 18, 20),
        centred('E', 20, 20),
        centred('F', 20, 20),
      ],
    },
    {
      name: 'Balcony',
      kind: 'seated',
      category: 'balcony',
      origin: { x: -1, y: 7 },
      rows: [centred('K', 22, 22), centred('L', 22, 22)],
    },
    { name: 'Standing floor', kind: 'general_admission', category: 'floor', capacity: 150 },
  ],
} as const;

const day = 86_400_000;

/** `daysAhead` days after `now`'s day, 20:00 at the venue (whatever its offset from UTC is on that day). */
function eveningAtVenue(now: Date, daysAhead: number): Date {
  const noon = new Date(Math.floor(now.getTime() / day) * day + daysAhead * day + 12 * 3_600_000);
  const zone = new Intl.DateTimeFormat('en', { timeZone: demoVenue.timezone, timeZoneName: 'longOffset' }).formatToParts(noon);
  const offset = /([+-])(\d\d):(\d\d)/.exec(zone.find((part) => part.type === 'timeZoneName')?.value ?? '');
  const offsetMinutes = offset ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0;
  return new Date(noon.getTime() + (8 * 60 - offsetMinutes) * 60_000);
}

/** The events, each `daysAhead` of the day npm start creates it, at 20:00 at the venue. */
export const demoEvents = [
  {
    title: 'Midnight Jazz Trio',
    description: 'Piano, bass and drums, late and unhurried.',
    daysAhead: 14,
    prices: { premium: 5500, standard: 3500, balcony: 2500, floor: 2000 },
  },
  {
    title: 'Lisbon Chamber Orchestra: Vivaldi by Candlelight',
    description: 'The Four Seasons and two concertos for strings.',
    daysAhead: 30,
    prices: { premium: 6500, standard: 4500, balcony: 3000, floor: 2500 },
  },
  {
    title: 'The Lanterns — Indie Night',
    description: 'A four-piece from Porto with their new album, and a support act.',
    daysAhead: 45,
    prices: { premium: 4000, standard: 2800, balcony: 2200, floor: 1800 },
  },
] as const;

interface DemoEventRow {
  id: string;
  title: string;
  startsAt: string;
  venue: { id: string };
}

export interface DemoCatalog {
  venueId: string;
  /** The demo events now upcoming (those found and those created), by title. */
  events: { id: string; title: string; created: boolean }[];
}

/** JSON over fetch; fails naming the call and its status. */
async function callJson<T>(method: string, url: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json', 'idempotency-key': randomUUID() }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${new URL(url).pathname} answered ${res.status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * Makes sure the organizer (email/password, a partner) owns the demo venue and
 * an upcoming event of each demo title; `usersUrl` and `catalogUrl` are the
 * services' bases (or the gateway's /api/users and /api/catalog).
 */
export async function ensureDemoCatalog(options: { usersUrl: string; catalogUrl: string; email: string; password: string; now?: Date }): Promise<DemoCatalog> {
  const now = options.now ?? new Date();
  const { accessToken: token } = await callJson<{ accessToken: string }>('POST', `${options.usersUrl}/auth/login`, {
    email: options.email,
    password: options.password,
  });
  const venues = await callJson<{ items: { id: string; name: string }[] }>('GET', `${options.catalogUrl}/partner/venues`, undefined, token);
  const venueId =
    venues.items.find((v) => v.name === demoVenueName)?.id ?? (await callJson<{ id: string }>('POST', `${options.catalogUrl}/venues`, demoVenue, token)).id;

  const existing = await callJson<{ items: DemoEventRow[] }>('GET', `${options.catalogUrl}/partner/events`, undefined, token);
  const events: DemoCatalog['events'] = [];
  for (const spec of demoEvents) {
    const upcoming = existing.items.find((e) => e.title === spec.title && e.venue.id === venueId && new Date(e.startsAt) > now);
    if (upcoming) {
      events.push({ id: upcoming.id, title: spec.title, created: false });
      continue;
    }
    const startsAt = eveningAtVenue(now, spec.daysAhead);
    const created = await callJson<{ id: string }>(
      'POST',
      `${options.catalogUrl}/events`,
      {
        venueId,
        title: spec.title,
        description: spec.description,
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 2.5 * 3_600_000).toISOString(),
        priceTiers: Object.entries(spec.prices).map(([category, priceCents]) => ({ category, priceCents, currency: 'EUR' })),
      },
      token,
    );
    events.push({ id: created.id, title: spec.title, created: true });
  }
  return { venueId, events };
}
