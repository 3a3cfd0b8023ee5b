/**
 * The onsale's load scenarios, written once and driven by two engines: the
 * local one (lib/engine.ts: undici on Node, `npm run load`, `npm test`) and k6
 * (onsale.ts: a k6 you installed, or the k6-operator's runner pods). This file
 * is runtime-neutral on purpose: no Node and no k6 imports, no imports at all
 * (k6 loads it as it is, next to onsale.ts, from the synced ConfigMap).
 *
 * A scenario says:
 *   - data:       what to seed (venue, event, buyers), from a seed;
 *   - flow:       one iteration as a generator: it yields the next request and
 *                 receives the answer, so each step can depend on earlier answers;
 *   - expected:   per request, which statuses are expected and what outcome each
 *                 means (409 seats taken and 402 declined are outcomes, not errors);
 *   - profile:    closed (VUs looping) or open (arrival-rate stages);
 *   - thresholds: p95/p99 per request name, error rate, dropped iterations,
 *                 outcomes that must have happened.
 *
 * Knobs come as strings (k6's __ENV, or `npm run load -- --set NAME=VALUE`),
 * e.g. SPIKE_BASE_RATE=40; each scenario lists its own with their defaults.
 */

// ---------------------------------------------------------------- requests and answers

/** What an expected status means for the buyer. */
export type Outcome =
  | 'ok'
  | 'held'
  | 'confirmed'
  | 'declined'
  | 'released'
  | 'cancelled'
  /** 409: someone else held those seats first, or too few GA places are left. */
  | 'seats-taken';

/** Outcomes that are the onsale working as designed, counted apart from successes and errors. */
export const contendedOutcomes: readonly Outcome[] = ['seats-taken', 'declined'];

export interface Expectation {
  status: number;
  outcome: Outcome;
  /** For problem answers: the accepted problem types (last path segment of `type`). */
  problemTypes?: readonly string[];
}

export interface PlannedRequest {
  /** Metric name: one per route and variant, e.g. `POST /holds`. Latency thresholds are per name. */
  name: string;
  service: 'catalog' | 'booking';
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query below the service's base URL. */
  path: string;
  body?: unknown;
  /** Sent with the iteration's buyer token. */
  auth: boolean;
  /** Sent with a fresh Idempotency-Key (every write). */
  idempotent: boolean;
  expect: readonly Expectation[];
}

export interface Answer {
  status: number;
  /** Parsed JSON body, or undefined. */
  body: unknown;
  /** The matched expectation's outcome, or `error`. */
  outcome: Outcome | 'error';
}

/**
 * What a run's engine makes of one answer: the expected outcome, or an error
 * (an unexpected status, or a 409 of another problem type). Status 0 is a
 * connection error or timeout.
 */
export function classify(request: PlannedRequest, status: number, body: unknown): Outcome | 'error' {
  const candidates = request.expect.filter((e) => e.status === status);
  for (const expectation of candidates) {
    if (!expectation.problemTypes) return expectation.outcome;
    if (expectation.problemTypes.includes(problemType(body))) return expectation.outcome;
  }
  return 'error';
}

function problemType(body: unknown): string {
  const type = typeof body === 'object' && body !== null ? (body as { type?: unknown }).type : undefined;
  return typeof type === 'string' ? (type.split('/').pop() ?? '') : '';
}

/** What a flow can ask of the engine besides requests. */
export interface FlowContext {
  target: Target;
  /** Seeded pseudo-random numbers in [0, 1), distinct per iteration (iterationRandom). */
  random(): number;
  /** Counts a flow-level outcome (e.g. `sold-out`: nothing left to hold). */
  count(name: string): void;
}

/** One iteration: yields requests, receives their answers. */
export type Flow = Generator<PlannedRequest, void, Answer>;

// ---------------------------------------------------------------- profiles and thresholds

export interface ClosedProfile {
  kind: 'closed';
  vus: number;
  /** Each VU loops for this long, or runs `iterations` times. */
  durationSeconds?: number;
  iterations?: number;
}

export interface ArrivalStage {
  /** Iterations per second reached at the end of the stage (linear ramp from the previous rate). */
  target: number;
  durationSeconds: number;
}

export interface OpenProfile {
  kind: 'open';
  /** Iterations per second at the start. */
  startRate: number;
  stages: readonly ArrivalStage[];
  preAllocatedVUs: number;
  /** At most this many iterations at once; an arrival that finds none free is dropped. */
  maxVUs: number;
}

export type LoadProfile = ClosedProfile | OpenProfile;

export interface LatencyLimit {
  p95: number;
  p99: number;
}

export interface Thresholds {
  /** Milliseconds per request name. */
  latencyMs: Readonly<Record<string, LatencyLimit>>;
  /** Errors / requests: unexpected statuses and connection errors (expected 409s and 402s are not errors). */
  maxErrorRate: number;
  maxDroppedIterations: number;
  /** Outcomes (request outcomes or flow counts) that must have happened at least this often. */
  minOutcomes: Readonly<Record<string, number>>;
}

export interface SeedData {
  seed: number;
  seats: number;
  gaCapacity: number;
  /** Distinct buyer tokens; iteration n is buyer n mod buyers. */
  buyers: number;
}

export interface Scenario {
  name: ScenarioName;
  description: string;
  data: SeedData;
  profile: LoadProfile;
  /** Seconds an iteration may still run after the profile's end before it is cut off. */
  gracefulStopSeconds: number;
  thresholds: Thresholds;
  flow(ctx: FlowContext): Flow;
}

// ---------------------------------------------------------------- knobs

export type Knobs = Readonly<Record<string, string | undefined>>;

/** `30`, `30s`, `4m`, `1h` → seconds. */
export function parseSeconds(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  if (!match) throw new Error(`${raw} is not a duration (e.g. 30s, 4m)`);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] ?? 's']!;
  return Number(match[1]) * unit;
}

function knob(knobs: Knobs, name: string, fallback: number, parse: (raw: string) => number = Number): number {
  const raw = knobs[name];
  if (raw === undefined || raw === '') return fallback;
  const value = parse(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}=${raw} is not a non-negative number`);
  return value;
}

const seconds = (knobs: Knobs, name: string, fallback: number) => knob(knobs, name, fallback, parseSeconds);

/** Total seconds of a profile (closed by iterations: undefined, it ends when they are done). */
export function profileSeconds(profile: LoadProfile): number | undefined {
  if (profile.kind === 'open') return profile.stages.reduce((sum, s) => sum + s.durationSeconds, 0);
  return profile.durationSeconds;
}

// ---------------------------------------------------------------- in k6's terms

/** The k6 executor of a profile (k6's arrival rates are whole iterations per time unit). */
export type K6Executor =
  | { executor: 'per-vu-iterations'; vus: number; iterations: number; maxDuration: string }
  | { executor: 'constant-vus'; vus: number; duration: string; gracefulStop: string }
  | {
      executor: 'ramping-arrival-rate';
      startRate: number;
      timeUnit: string;
      preAllocatedVUs: number;
      maxVUs: number;
      stages: { target: number; duration: string }[];
      gracefulStop: string;
    };

/**
 * A scenario as k6 options: its profile as an executor, its thresholds as k6
 * thresholds (on request_errors and outcomes, which the k6 script records).
 */
export function k6Options(scenario: Scenario): { executor: K6Executor; thresholds: Record<string, string[]> } {
  const { profile, thresholds } = scenario;
  const gracefulStop = `${scenario.gracefulStopSeconds}s`;
  let executor: K6Executor;
  if (profile.kind === 'open') {
    executor = {
      executor: 'ramping-arrival-rate',
      startRate: Math.round(profile.startRate),
      timeUnit: '1s',
      preAllocatedVUs: profile.preAllocatedVUs,
      maxVUs: profile.maxVUs,
      stages: profile.stages.map((s) => ({ target: Math.round(s.target), duration: `${s.durationSeconds}s` })),
      gracefulStop,
    };
  } else if (profile.iterations !== undefined) {
    executor = { executor: 'per-vu-iterations', vus: profile.vus, iterations: profile.iterations, maxDuration: gracefulStop };
  } else {
    executor = { executor: 'constant-vus', vus: profile.vus, duration: `${profile.durationSeconds ?? 0}s`, gracefulStop };
  }
  const k6Thresholds: Record<string, string[]> = {
    // Unexpected statuses and connection errors; 409 seats taken and 402 declined are outcomes.
    request_errors: [`rate<=${thresholds.maxErrorRate}`],
    dropped_iterations: [`count<=${thresholds.maxDroppedIterations}`],
  };
  for (const [name, limit] of Object.entries(thresholds.latencyMs))
    k6Thresholds[`http_req_duration{name:${name}}`] = [`p(95)<${limit.p95}`, `p(99)<${limit.p99}`];
  for (const [outcome, min] of Object.entries(thresholds.minOutcomes)) k6Thresholds[`outcomes{outcome:${outcome}}`] = [`count>=${min}`];
  return { executor, thresholds: k6Thresholds };
}

// ---------------------------------------------------------------- the requests

const trimmed = (n: number) => Math.max(1, Math.round(n));

interface AvailabilityFull {
  seats: { seatId: string; status: string }[];
  generalAdmission: { sectionId: string; available: number }[];
}

interface SearchPage {
  items: { id: string }[];
}

const ok = (status: number): Expectation[] => [{ status, outcome: 'ok' }];
const seatsTaken: Expectation = { status: 409, outcome: 'seats-taken', problemTypes: ['seats-unavailable', 'not-enough-places'] };

/** A read: GET, answered 200. */
const read = (name: string, service: PlannedRequest['service'], path: string, auth: boolean): PlannedRequest => ({
  name,
  service,
  method: 'GET',
  path,
  auth,
  idempotent: false,
  expect: ok(200),
});

/** A buyer's write: sent with the buyer's token and a fresh Idempotency-Key. */
const write = (name: string, method: 'POST' | 'DELETE', path: string, body: unknown, expect: Expectation[]): PlannedRequest => ({
  name,
  service: 'booking',
  method,
  path,
  ...(body === undefined ? {} : { body }),
  auth: true,
  idempotent: true,
  expect,
});

const held: Expectation[] = [{ status: 201, outcome: 'held' }, seatsTaken];

const requests = {
  search: (query: string) => read('GET /events', 'catalog', `/events?${query}`, false),
  event: (eventId: string) => read('GET /events/{id}', 'catalog', `/events/${eventId}`, false),
  availability: (eventId: string, format: 'full' | 'compact' | 'layout') =>
    format === 'full'
      ? read('GET /events/{id}/availability', 'booking', `/events/${eventId}/availability`, false)
      : read(`GET /events/{id}/availability?format=${format}`, 'booking', `/events/${eventId}/availability?format=${format}`, false),
  holdSeats: (eventId: string, seatIds: string[]) => write('POST /holds', 'POST', '/holds', { eventId, seatIds }, held),
  holdGa: (eventId: string, sectionId: string, quantity: number) =>
    write('POST /holds', 'POST', '/holds', { eventId, generalAdmission: { sectionId, quantity } }, held),
  viewHold: (holdId: string) => read('GET /holds/{id}', 'booking', `/holds/${holdId}`, true),
  checkout: (holdId: string, paymentMethod: 'pm_card_approved' | 'pm_card_declined') =>
    write(
      'POST /holds/{id}/checkout',
      'POST',
      `/holds/${holdId}/checkout`,
      { paymentMethod },
      paymentMethod === 'pm_card_approved'
        ? [{ status: 201, outcome: 'confirmed' }]
        : [{ status: 402, outcome: 'declined', problemTypes: ['payment-declined'] }],
    ),
  release: (holdId: string) => write('DELETE /holds/{id}', 'DELETE', `/holds/${holdId}`, undefined, [{ status: 200, outcome: 'released' }]),
  myBookings: () => read('GET /bookings', 'booking', '/bookings', true),
  booking: (reference: string) => read('GET /bookings/{reference}', 'booking', `/bookings/${reference}`, true),
  cancel: (reference: string) =>
    write('POST /bookings/{reference}/cancel', 'POST', `/bookings/${reference}/cancel`, undefined, [{ status: 200, outcome: 'cancelled' }]),
};

/** The search buyers run: on-sale events of the event's city, from a day before it starts. */
export function searchQuery(city: string, startsAt: string, limit = 20): string {
  const from = new Date(Date.parse(startsAt) - 24 * 3600 * 1000).toISOString();
  return `city=${encodeURIComponent(city)}&from=${encodeURIComponent(from)}&limit=${limit}`;
}

/** The target of a run, from the catalog's answer to `GET /events/{id}`. */
export function targetOf(event: { id: string; startsAt: string; venue: { city: string } }): Target {
  return { eventId: event.id, search: searchQuery(event.venue.city, event.startsAt) };
}

const pick = <T>(ctx: FlowContext, items: readonly T[]): T => items[Math.floor(ctx.random() * items.length)]!;

/** `quantity` adjacent free seats from a random start (buyers go for the best seats, so they collide), or undefined. */
function chooseSeats(ctx: FlowContext, availability: AvailabilityFull, quantity: number): string[] | undefined {
  const free = availability.seats.filter((s) => s.status === 'available').map((s) => s.seatId);
  if (free.length < quantity) return undefined;
  // Half the buyers take the best seats left (the first free block, an onsale's "best available"), the
  // others a random block: the race for the front rows is what an onsale is.
  const start = ctx.random() < 0.5 ? 0 : Math.floor(ctx.random() * (free.length - quantity + 1));
  return free.slice(start, start + quantity);
}

/** What a buyer does with a hold: mostly pays, sometimes is declined, sometimes gives it back. */
export interface BuyerMix {
  gaShare: number;
  declineShare: number;
  releaseShare: number;
}

/** One onsale buyer: reads the seat map, holds 1–4 adjacent seats or GA places, then pays, is declined or releases. */
function* buyer(ctx: FlowContext, mix: BuyerMix): Flow {
  const availability = yield requests.availability(ctx.target.eventId, 'full');
  if (availability.outcome !== 'ok') return;
  const inventory = availability.body as AvailabilityFull;
  const quantity = 1 + Math.floor(ctx.random() * 4);
  const seats = chooseSeats(ctx, inventory, quantity);
  const ga = inventory.generalAdmission.find((g) => g.available >= quantity);
  let hold: Answer;
  if (ga && (ctx.random() < mix.gaShare || !seats)) hold = yield requests.holdGa(ctx.target.eventId, ga.sectionId, quantity);
  else if (seats) hold = yield requests.holdSeats(ctx.target.eventId, seats);
  else {
    ctx.count('sold-out');
    return;
  }
  if (hold.outcome !== 'held') return;
  const holdId = (hold.body as { id: string }).id;
  const roll = ctx.random();
  if (roll < mix.releaseShare) yield requests.release(holdId);
  else yield requests.checkout(holdId, roll < mix.releaseShare + mix.declineShare ? 'pm_card_declined' : 'pm_card_approved');
}

// ---------------------------------------------------------------- the scenarios

export const scenarioNames = ['smoke', 'browse', 'spike', 'soak'] as const;
export type ScenarioName = (typeof scenarioNames)[number];

/** Where flows look: set by the engine from the seeded (or given) event. */
export interface Target {
  eventId: string;
  /** The search the buyers run (see searchQuery). */
  search: string;
}

/** Multiplies every latency limit (LATENCY_SCALE, e.g. 2 on a busy laptop). */
const latencyLimits = (knobs: Knobs, limits: Record<string, LatencyLimit>): Record<string, LatencyLimit> => {
  const scale = knob(knobs, 'LATENCY_SCALE', 1);
  return Object.fromEntries(Object.entries(limits).map(([name, l]) => [name, { p95: l.p95 * scale, p99: l.p99 * scale }]));
};

const buyerMix = (knobs: Knobs): BuyerMix => ({
  gaShare: knob(knobs, 'GA_SHARE', 0.3),
  declineShare: knob(knobs, 'DECLINE_SHARE', 0.1),
  releaseShare: knob(knobs, 'RELEASE_SHARE', 0.1),
});

const writeLimits = { p95: 500, p99: 1500 };
const readLimits = { p95: 300, p99: 1000 };

/** The thresholds of the buyer flow: its reads and writes fast, under 1 % errors, every arrival started. */
const buyerThresholds = (knobs: Knobs, minOutcomes: Record<string, number>): Thresholds => ({
  latencyMs: latencyLimits(knobs, { 'GET /events/{id}/availability': readLimits, 'POST /holds': writeLimits, 'POST /holds/{id}/checkout': writeLimits }),
  maxErrorRate: 0.01,
  maxDroppedIterations: 0,
  minOutcomes,
});

/**
 * The scenario `name` with its knobs applied. Knobs of every scenario:
 * SEED (1), BUYERS, SEATS, GA (the seeded venue), LATENCY_SCALE (1);
 * buyer flows also GA_SHARE (0.3), DECLINE_SHARE (0.1), RELEASE_SHARE (0.1).
 */
export function scenario(name: string, knobs: Knobs = {}): Scenario {
  const seed = knob(knobs, 'SEED', 1);
  const data = (seats: number, gaCapacity: number, buyers: number): SeedData => ({
    seed,
    seats: knob(knobs, 'SEATS', seats),
    gaCapacity: knob(knobs, 'GA', gaCapacity),
    buyers: trimmed(knob(knobs, 'BUYERS', buyers)),
  });
  switch (name) {
    case 'smoke':
      // One buyer, every public endpoint once, each answered as expected.
      return {
        name,
        description:
          'one buyer calls every public endpoint once: search, event, availability (full/compact/layout), seat and GA holds, checkout approved and declined, release, my bookings, cancel',
        data: data(40, 20, 1),
        profile: { kind: 'closed', vus: 1, iterations: 1 },
        gracefulStopSeconds: 30,
        thresholds: {
          latencyMs: latencyLimits(knobs, { 'POST /holds': { p95: 1000, p99: 1000 }, 'POST /holds/{id}/checkout': { p95: 1000, p99: 1000 } }),
          maxErrorRate: 0,
          maxDroppedIterations: 0,
          minOutcomes: { held: 3, confirmed: 1, declined: 1, released: 1, cancelled: 1 },
        },
        flow: smokeFlow,
      };
    case 'browse':
      // Readers only: the catalog search, event pages and the seat map, in the mix an onsale sees before it opens.
      return {
        name,
        description: 'buyers browsing: 50 % search, 20 % event page, 20 % compact availability, 10 % full availability',
        data: data(500, 300, 20),
        profile: { kind: 'closed', vus: trimmed(knob(knobs, 'BROWSE_VUS', 10)), durationSeconds: seconds(knobs, 'BROWSE_DURATION', 20) },
        gracefulStopSeconds: 10,
        thresholds: {
          latencyMs: latencyLimits(knobs, {
            'GET /events': readLimits,
            'GET /events/{id}': readLimits,
            'GET /events/{id}/availability': readLimits,
            'GET /events/{id}/availability?format=compact': readLimits,
          }),
          maxErrorRate: 0.01,
          maxDroppedIterations: 0,
          minOutcomes: { ok: 1 },
        },
        flow: browseFlow,
      };
    case 'spike': {
      // The onsale opening: arrivals jump from 1× to 10× within 10 s; many buyers race for one limited event.
      const base = knob(knobs, 'SPIKE_BASE_RATE', 5);
      return {
        name,
        description: 'onsale opening: arrivals from 1× to 10× within 10 s, buyers racing for one limited event, holding and paying',
        // Enough places to last into the peak (sold out during it at the default rates), so the race happens at 10×.
        data: data(300, 200, 200),
        profile: {
          kind: 'open',
          startRate: base,
          stages: [
            { target: base, durationSeconds: seconds(knobs, 'SPIKE_WARMUP', 5) },
            { target: base * 10, durationSeconds: 10 },
            { target: base * 10, durationSeconds: seconds(knobs, 'SPIKE_HOLD', 10) },
            { target: base, durationSeconds: 10 },
            { target: base, durationSeconds: seconds(knobs, 'SPIKE_COOLDOWN', 5) },
          ],
          preAllocatedVUs: trimmed(knob(knobs, 'SPIKE_PREALLOCATED_VUS', base * 5)),
          maxVUs: trimmed(knob(knobs, 'SPIKE_MAX_VUS', base * 50)),
        },
        gracefulStopSeconds: 30,
        // A spike that sold nothing proves nothing; one where nobody collided did not race.
        thresholds: buyerThresholds(knobs, { confirmed: 1, 'seats-taken': knob(knobs, 'SPIKE_MIN_CONTENDED', 1) }),
        flow: (ctx) => buyer(ctx, buyerMix(knobs)),
      };
    }
    case 'soak': {
      // Steady moderate arrivals for a long time: leaks, pools and queues that only show after minutes.
      const rate = knob(knobs, 'SOAK_RATE', 2);
      return {
        name,
        description: 'steady moderate arrivals of buyers for a long time (bounded by SOAK_DURATION)',
        data: data(2000, 1000, 100),
        profile: {
          kind: 'open',
          startRate: rate,
          stages: [{ target: rate, durationSeconds: seconds(knobs, 'SOAK_DURATION', 300) }],
          preAllocatedVUs: trimmed(rate * 5),
          maxVUs: trimmed(knob(knobs, 'SOAK_MAX_VUS', rate * 50)),
        },
        gracefulStopSeconds: 30,
        thresholds: buyerThresholds(knobs, { confirmed: 1 }),
        flow: (ctx) => buyer(ctx, buyerMix(knobs)),
      };
    }
    default:
      throw new Error(`scenario ${name}: expected one of ${scenarioNames.join(', ')}`);
  }
}

function* smokeFlow(ctx: FlowContext): Flow {
  const { eventId, search } = ctx.target;
  yield requests.search(search);
  yield requests.event(eventId);
  const availability = yield requests.availability(eventId, 'full');
  yield requests.availability(eventId, 'compact');
  yield requests.availability(eventId, 'layout');
  if (availability.outcome !== 'ok') return;
  const inventory = availability.body as AvailabilityFull;
  const free = inventory.seats.filter((s) => s.status === 'available').map((s) => s.seatId);
  const ga = inventory.generalAdmission[0];

  // Two seats, paid: a booking, which is then looked at and cancelled.
  const seatHold = yield requests.holdSeats(eventId, free.slice(0, 2));
  let reference: string | undefined;
  if (seatHold.outcome === 'held') {
    const holdId = (seatHold.body as { id: string }).id;
    yield requests.viewHold(holdId);
    const paid = yield requests.checkout(holdId, 'pm_card_approved');
    if (paid.outcome === 'confirmed') reference = (paid.body as { reference: string }).reference;
  }
  // GA places, declined card.
  if (ga) {
    const gaHold = yield requests.holdGa(eventId, ga.sectionId, 2);
    if (gaHold.outcome === 'held') yield requests.checkout((gaHold.body as { id: string }).id, 'pm_card_declined');
  }
  // A seat held and given back.
  const released = yield requests.holdSeats(eventId, free.slice(2, 3));
  if (released.outcome === 'held') yield requests.release((released.body as { id: string }).id);

  yield requests.myBookings();
  if (reference) {
    yield requests.booking(reference);
    yield requests.cancel(reference);
  }
}

function* browseFlow(ctx: FlowContext): Flow {
  const roll = ctx.random();
  if (roll < 0.5) {
    const page = yield requests.search(ctx.target.search);
    const items = page.outcome === 'ok' ? (page.body as SearchPage).items : [];
    if (items.length > 0 && ctx.random() < 0.5) yield requests.event(pick(ctx, items).id);
  } else if (roll < 0.7) yield requests.event(ctx.target.eventId);
  else if (roll < 0.9) yield requests.availability(ctx.target.eventId, 'compact');
  else yield requests.availability(ctx.target.eventId, 'full');
}

// ---------------------------------------------------------------- seeded data

/** Deterministic pseudo-random numbers (mulberry32) from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The random numbers of one iteration, numbered across the whole run (every
 * VU and, in k6, every runner pod): the same seed and iteration always give
 * the same sequence.
 */
export function iterationRandom(seed: number, iteration: number): () => number {
  return seededRandom(Math.imul(seed, 0x9e3779b1) ^ Math.imul(iteration + 1, 0x85ebca6b));
}

/** The buyer of an iteration: one token for the whole iteration, buyers taking turns. */
export const buyerOf = <T>(tokens: readonly T[], iteration: number): T => tokens[iteration % tokens.length]!;

const cities = ['Loadville', 'Stresston', 'Spikeburg', 'Soakford'];

/** A, B, …, Z, AA, AB, … */
function rowLabel(index: number): string {
  let label = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) label = String.fromCharCode(65 + ((n - 1) % 26)) + label;
  return label;
}

/**
 * The catalog requests that create a scenario's venue and on-sale event (as a
 * partner): same seed, same venue. `run` tells runs on one database apart.
 */
export function seedRequests(data: SeedData, run: string, now: number) {
  const random = seededRandom(data.seed);
  const perRow = 25;
  const rows = Array.from({ length: Math.ceil(data.seats / perRow) }, (_, i) => ({ row: rowLabel(i), seats: Math.min(perRow, data.seats - i * perRow) }));
  const city = cities[Math.floor(random() * cities.length)]!;
  const startsAt = new Date(now + (30 + Math.floor(random() * 30)) * 24 * 3600 * 1000);
  startsAt.setUTCMinutes(0, 0, 0);
  const seatedPrice = 3000 + 500 * Math.floor(random() * 6);
  const venue = {
    name: `Onsale Arena ${data.seed}-${run}`,
    city,
    sections: [
      ...(data.seats > 0 ? [{ name: 'Stalls', kind: 'seated', category: 'standard', rows }] : []),
      ...(data.gaCapacity > 0 ? [{ name: 'Floor', kind: 'general_admission', category: 'floor', capacity: data.gaCapacity }] : []),
    ],
  };
  const event = (venueId: string) => ({
    venueId,
    title: `Onsale load test ${data.seed}-${run}`,
    description: 'Created by the load-testing scenarios',
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 3 * 3600 * 1000).toISOString(),
    priceTiers: [
      ...(data.seats > 0 ? [{ category: 'standard', priceCents: seatedPrice, currency: 'EUR' }] : []),
      ...(data.gaCapacity > 0 ? [{ category: 'floor', priceCents: 2500, currency: 'EUR' }] : []),
    ],
  });
  return { venue, event };
}
