/**
 * k6 script (k6 v1 runs TypeScript natively): an onsale. Every iteration is
 * one buyer who searches the catalog, reads the event's availability, holds
 * 1–4 random available seats (or general-admission places) and then mostly
 * pays, sometimes is declined, sometimes gives the seats back.
 *
 * It creates nothing and targets only the URLs it is given:
 *   CATALOG_URL, BOOKING_URL  base URLs (e.g. http://127.0.0.1:8081, or the ingress hosts of a cluster)
 *   EVENT_ID                  the on-sale event to buy (run.ts --seed creates one)
 *   BUYER_TOKENS              comma-separated buyer bearer tokens; VU n uses token n mod count
 *   SCENARIO                  smoke (default) | onsale | spike
 * Optional knobs: SMOKE_VUS (5), SMOKE_DURATION (10s), ONSALE_PEAK_RATE (iterations/s at the plateau, 100 ≈ 400 req/s),
 * ONSALE_RAMP (1m), ONSALE_PLATEAU (3m), ONSALE_RAMP_DOWN (30s), ONSALE_MAX_VUS (600), HOLD_P95_MS (500), GA_SHARE (0.3),
 * DECLINE_SHARE (0.1), RELEASE_SHARE (0.1), SEARCH_CITY (the event's city), ALLOW_RATE_LIMITED (0).
 *
 * Run it through load-testing/run.ts (see load-testing/README.md), or directly:
 *   k6 run -e CATALOG_URL=… -e BOOKING_URL=… -e EVENT_ID=… -e BUYER_TOKENS=… load-testing/onsale.ts
 */
import { check, fail, sleep } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter } from 'k6/metrics';
import type { Options, Scenario } from 'k6/options';

// k6 provides console (logged at level=info); @types/k6 does not declare it.
declare const console: { log(...values: unknown[]): void };

const scenarioName = (__ENV.SCENARIO ?? 'smoke').toLowerCase();
const num = (name: string, fallback: number): number => {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) fail(`${name}=${raw} is not a number`);
  return value;
};

const holdP95Ms = num('HOLD_P95_MS', 500);
const gaShare = num('GA_SHARE', 0.3);
const declineShare = num('DECLINE_SHARE', 0.1);
const releaseShare = num('RELEASE_SHARE', 0.1);
const allowRateLimited = __ENV.ALLOW_RATE_LIMITED === '1';

const scenarios: Record<string, Scenario> = {
  // A few buyers for ~10 s: does the whole flow work, and are the invariants kept?
  smoke: {
    executor: 'constant-vus',
    vus: num('SMOKE_VUS', 5),
    duration: __ENV.SMOKE_DURATION ?? '10s',
    gracefulStop: '5s',
  },
  // The onsale rush: arrivals ramp to a few hundred requests/s (each iteration is ~4 requests)
  // and stay there for minutes, whatever the latency (open model: k6 adds VUs when responses slow down).
  onsale: {
    executor: 'ramping-arrival-rate',
    startRate: 5,
    timeUnit: '1s',
    preAllocatedVUs: 50,
    maxVUs: num('ONSALE_MAX_VUS', 600),
    stages: [
      { target: num('ONSALE_PEAK_RATE', 100), duration: __ENV.ONSALE_RAMP ?? '1m' },
      { target: num('ONSALE_PEAK_RATE', 100), duration: __ENV.ONSALE_PLATEAU ?? '3m' },
      { target: 0, duration: __ENV.ONSALE_RAMP_DOWN ?? '30s' },
    ],
    gracefulStop: '30s',
  },
};
// The onsale opening: arrivals jump from 1× to 10× in 10 s, stay there, and fall back (open model).
// With the k6-operator's parallelism the rates are split across the runner pods.
const spikeBase = num('SPIKE_BASE_RATE', 10);
scenarios.spike = {
  executor: 'ramping-arrival-rate',
  startRate: spikeBase,
  timeUnit: '1s',
  preAllocatedVUs: num('SPIKE_PREALLOCATED_VUS', 100),
  maxVUs: num('SPIKE_MAX_VUS', 1000),
  stages: [
    { target: spikeBase, duration: __ENV.SPIKE_WARMUP ?? '30s' },
    { target: spikeBase * 10, duration: '10s' },
    { target: spikeBase * 10, duration: __ENV.SPIKE_HOLD ?? '3m' },
    { target: spikeBase, duration: '10s' },
    { target: spikeBase, duration: __ENV.SPIKE_COOLDOWN ?? '1m' },
  ],
  gracefulStop: '30s',
};
const scenario = scenarios[scenarioName];
if (!scenario) throw new Error(`SCENARIO=${scenarioName}: expected one of ${Object.keys(scenarios).join(', ')}`);

export const options: Options = {
  scenarios: { [scenarioName]: scenario },
  thresholds: {
    // Only unexpected statuses count as failed requests (see setResponseCallback below).
    http_req_failed: ['rate<0.01'],
    // Holds are the contended write: their p95 (409s included) must stay fast.
    'http_req_duration{name:POST /holds}': [`p(95)<${holdP95Ms}`],
    // Any 5xx at all fails the run.
    http_5xx: ['count==0'],
    checks: ['rate>0.99'],
    bookings_confirmed: ['count>0'],
    // Open-model scenarios: every arrival got a VU (k6 counts the ones it could not start).
    dropped_iterations: ['count==0'],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
  userAgent: 'ticketing-onsale-k6/1.0',
};

// Business outcomes are not failures: 402 (declined) and 409 (seats taken, not enough places)
// are what an onsale looks like. Everything else outside 2xx counts in http_req_failed.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }, 402, 409, ...(allowRateLimited ? [429] : [])));

const http5xx = new Counter('http_5xx');
const rateLimited = new Counter('http_429');
const holdOutcomes = new Counter('hold_outcomes');
const holdsCreated = new Counter('holds_created');
const bookingsConfirmed = new Counter('bookings_confirmed');
const seatsBooked = new Counter('seats_booked');
const gaPlacesBooked = new Counter('ga_places_booked');
const paymentsDeclined = new Counter('payments_declined');
const holdsReleased = new Counter('holds_released');
const soldOut = new Counter('sold_out_iterations');

interface Config {
  catalogUrl: string;
  bookingUrl: string;
  eventId: string;
  tokens: string[];
  searchQuery: string;
}

interface Availability {
  seats: { seatId: string; status: string }[];
  generalAdmission: { sectionId: string; available: number }[];
}

const trimSlash = (url: string): string => url.replace(/\/+$/, '');

export function setup(): Config {
  const missing = ['CATALOG_URL', 'BOOKING_URL', 'EVENT_ID', 'BUYER_TOKENS'].filter((name) => !__ENV[name]);
  if (missing.length > 0) fail(`missing environment: ${missing.join(', ')} (see load-testing/README.md)`);
  const config = {
    catalogUrl: trimSlash(__ENV.CATALOG_URL!),
    bookingUrl: trimSlash(__ENV.BOOKING_URL!),
    eventId: __ENV.EVENT_ID!,
    tokens: __ENV
      .BUYER_TOKENS!.split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  };
  // Read-only look at the target, so a wrong URL or event fails at once rather than as 100% errors.
  const event = http.get(`${config.catalogUrl}/events/${config.eventId}`, { tags: { name: 'setup' } });
  if (event.status !== 200) fail(`GET ${config.catalogUrl}/events/${config.eventId} answered ${event.status}: ${String(event.body).slice(0, 300)}`);
  const body = event.json() as { status: string; startsAt: string; venue: { city: string } };
  if (body.status !== 'on_sale') fail(`event ${config.eventId} is ${body.status}, not on_sale`);
  const city = __ENV.SEARCH_CITY ?? body.venue.city;
  const from = new Date(Date.parse(body.startsAt) - 24 * 3600 * 1000).toISOString();
  const searchQuery = `city=${encodeURIComponent(city)}&from=${encodeURIComponent(from)}&limit=20`;
  const availability = http.get(`${config.bookingUrl}/events/${config.eventId}/availability`, { tags: { name: 'setup' } });
  if (availability.status !== 200) fail(`availability answered ${availability.status}: ${String(availability.body).slice(0, 300)}`);
  const inventory = availability.json() as unknown as Availability;
  console.log(
    `scenario ${scenarioName}: event ${config.eventId} in ${city}, ${inventory.seats.filter((s) => s.status === 'available').length} seats and ` +
      `${inventory.generalAdmission.reduce((sum, g) => sum + g.available, 0)} GA places available, ${config.tokens.length} buyers`,
  );
  return { ...config, searchQuery };
}

let keyCounter = 0;
/** Unique per request across VUs and runs (k6 VUs share no state). */
function idempotencyKey(step: string): string {
  keyCounter += 1;
  return `k6-${exec.vu.idInTest}-${keyCounter}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}-${step}`;
}

function countStatus(status: number): void {
  if (status >= 500) http5xx.add(1);
  if (status === 429) rateLimited.add(1);
}

const randomInt = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min + 1));

export default function onsale(config: Config): void {
  http5xx.add(0); // the threshold then always has data
  const token = config.tokens[(exec.vu.idInTest - 1) % config.tokens.length]!;
  const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };

  const search = http.get(`${config.catalogUrl}/events?${config.searchQuery}`, { tags: { name: 'GET /events' } });
  countStatus(search.status);
  check(search, { 'search 200': (r) => r.status === 200 });

  const availability = http.get(`${config.bookingUrl}/events/${config.eventId}/availability`, { tags: { name: 'GET /events/{id}/availability' } });
  countStatus(availability.status);
  if (!check(availability, { 'availability 200': (r) => r.status === 200 })) return;
  const inventory = availability.json() as unknown as Availability;

  // Buyers go for the best seats: a random free seat and the free ones after it, so buyers collide.
  const quantity = randomInt(1, 4);
  const freeSeats = inventory.seats.filter((s) => s.status === 'available').map((s) => s.seatId);
  const ga = inventory.generalAdmission.find((g) => g.available >= quantity);
  const wantGa = ga !== undefined && (Math.random() < gaShare || freeSeats.length < quantity);
  let body: Record<string, unknown>;
  let kind: 'seats' | 'ga';
  if (wantGa) {
    kind = 'ga';
    body = { eventId: config.eventId, generalAdmission: { sectionId: ga.sectionId, quantity } };
  } else if (freeSeats.length >= quantity) {
    kind = 'seats';
    const start = randomInt(0, freeSeats.length - quantity);
    body = { eventId: config.eventId, seatIds: freeSeats.slice(start, start + quantity) };
  } else {
    soldOut.add(1);
    sleep(0.5);
    return;
  }

  const hold = http.post(`${config.bookingUrl}/holds`, JSON.stringify(body), {
    headers: { ...auth, 'Idempotency-Key': idempotencyKey('hold') },
    tags: { name: 'POST /holds', kind },
  });
  countStatus(hold.status);
  if (hold.status === 409) {
    // Someone else was faster: an expected onsale outcome, tagged by its problem type.
    const type =
      String((hold.json() as { type?: string }).type ?? '')
        .split('/')
        .pop() ?? 'unknown';
    holdOutcomes.add(1, { outcome: type, kind });
    check(hold, { 'hold 201 or 409 seats taken': (r) => r.status === 409 && (type === 'seats-unavailable' || type === 'not-enough-places') });
    return;
  }
  if (!check(hold, { 'hold 201 or 409 seats taken': (r) => r.status === 201 })) {
    holdOutcomes.add(1, { outcome: `status-${hold.status}`, kind });
    return;
  }
  holdOutcomes.add(1, { outcome: 'held', kind });
  holdsCreated.add(1, { kind });
  const holdId = (hold.json() as { id: string }).id;

  const roll = Math.random();
  if (roll < releaseShare) {
    const released = http.del(`${config.bookingUrl}/holds/${holdId}`, null, {
      headers: { Authorization: auth.Authorization, 'Idempotency-Key': idempotencyKey('release') },
      tags: { name: 'DELETE /holds/{id}' },
    });
    countStatus(released.status);
    if (check(released, { 'release 200': (r) => r.status === 200 })) holdsReleased.add(1, { kind });
    return;
  }
  const paymentMethod = roll < releaseShare + declineShare ? 'pm_card_declined' : 'pm_card_approved';
  const paid = http.post(`${config.bookingUrl}/holds/${holdId}/checkout`, JSON.stringify({ paymentMethod }), {
    headers: { ...auth, 'Idempotency-Key': idempotencyKey('checkout') },
    tags: { name: 'POST /holds/{id}/checkout', payment: paymentMethod },
  });
  countStatus(paid.status);
  if (paymentMethod === 'pm_card_declined') {
    if (check(paid, { 'declined card 402': (r) => r.status === 402 })) paymentsDeclined.add(1, { kind });
    return;
  }
  if (check(paid, { 'checkout 201': (r) => r.status === 201 })) {
    bookingsConfirmed.add(1, { kind });
    if (kind === 'seats') seatsBooked.add(quantity);
    else gaPlacesBooked.add(quantity);
  }
  if (scenarioName === 'smoke') sleep(0.1);
}
