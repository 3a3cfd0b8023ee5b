/**
 * The onsale with autocannon (MIT, from npm): the default load generator of
 * local runs (`npm run load -- --local`, `npm test`). Same buyer flow as the
 * k6 script (../onsale.ts): each autocannon connection is a buyer who reads
 * the event's availability, holds 1–4 adjacent free seats from a random start
 * (or general-admission places), then pays (approved or declined) or releases
 * the hold; meanwhile a few connections search the catalog.
 *
 * Bounded twice: every connection stops after `requestsPerConnection`
 * responses (so no request is ever cut off mid-flight and the counts here are
 * exact), and the whole run stops after `durationSeconds` regardless.
 * Targets loopback addresses only.
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { StackError } from '../../scripts/local-stack/errors.js';

export interface OnsaleTarget {
  catalogUrl: string;
  bookingUrl: string;
  eventId: string;
  buyerTokens: readonly string[];
}

export interface AutocannonOnsaleOptions {
  /** Concurrent buyers (booking connections). @default 8 */
  buyers?: number;
  /** Concurrent catalog searchers. @default 1 */
  searchers?: number;
  /** Hard stop. @default 30 */
  durationSeconds?: number;
  /** Responses after which a connection stops (a buyer's flow is 2–3 requests). @default 60 */
  requestsPerConnection?: number;
  /** Share of buyers who go for general admission. @default 0.3 */
  gaShare?: number;
  declineShare?: number;
  releaseShare?: number;
  /** Per-request timeout. @default 30 */
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

/** What the buyers saw; the same figures the k6 script counts. */
export interface OnsaleCounts {
  requests: number;
  requestsPerSecond: number;
  durationSeconds: number;
  statusCounts: Record<string, number>;
  /** Statuses outside 2xx, 402 (declined) and 409 (seats taken / not enough places). */
  unexpected: number;
  http5xx: number;
  http429: number;
  /** Connection errors and timeouts. */
  errors: number;
  holdP95Ms: number | undefined;
  /** autocannon's histogram has p97.5, not p95. */
  bookingP97_5Ms: number | undefined;
  holdAttempts: number;
  holdsCreated: number;
  bookingsConfirmed: number;
  seatsBooked: number;
  gaPlacesBooked: number;
  paymentsDeclined: number;
  holdsReleased: number;
  soldOutFlows: number;
  /**
   * Checkouts and releases still unanswered when the time limit stopped the
   * run: the server may have completed them, so the counts above can trail
   * the database by that many. 0 when the request bound ended the run.
   */
  cutOff: number;
}

interface Availability {
  seats: { seatId: string; status: string }[];
  generalAdmission: { sectionId: string; available: number }[];
}

/** One buyer's flow through the requests array (autocannon resets it at each loop). */
interface FlowContext {
  token?: string;
  hold?: { body: string; kind: 'seats' | 'ga'; quantity: number };
  holdSentAt?: number;
  holdId?: string;
  step?: 'approved' | 'declined' | 'release';
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** autocannon runs only against this machine. */
export function assertLoopbackUrl(url: string): void {
  const host = new URL(url).hostname;
  if (!loopbackHosts.has(host)) {
    throw new StackError(`autocannon targets loopback addresses only (127.0.0.1); ${url} is not one. Use k6 (--generator k6) for a remote target.`);
  }
}

const randomInt = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min + 1));

function percentile95(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)];
}

/** Chooses what a buyer holds, or undefined when nothing fits (sold out). */
export function chooseHold(eventId: string, inventory: Availability, gaShare: number): FlowContext['hold'] {
  const quantity = randomInt(1, 4);
  const freeSeats = inventory.seats.filter((s) => s.status === 'available').map((s) => s.seatId);
  const ga = inventory.generalAdmission.find((g) => g.available >= quantity);
  if (ga && (Math.random() < gaShare || freeSeats.length < quantity)) {
    return { kind: 'ga', quantity, body: JSON.stringify({ eventId, generalAdmission: { sectionId: ga.sectionId, quantity } }) };
  }
  if (freeSeats.length < quantity) return undefined;
  const start = randomInt(0, freeSeats.length - quantity);
  return { kind: 'seats', quantity, body: JSON.stringify({ eventId, seatIds: freeSeats.slice(start, start + quantity) }) };
}

/** autocannon's instance without a callback: an EventEmitter that can stop() and is also a promise of the result. */
function start(options: autocannon.Options): autocannon.Instance & PromiseLike<autocannon.Result> {
  return autocannon(options) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
}

/** Runs the onsale against `target` and resolves with what the buyers saw. */
export async function runAutocannonOnsale(target: OnsaleTarget, options: AutocannonOnsaleOptions = {}): Promise<OnsaleCounts> {
  assertLoopbackUrl(target.catalogUrl);
  assertLoopbackUrl(target.bookingUrl);
  if (target.buyerTokens.length === 0) throw new StackError('No buyer tokens.');
  const gaShare = options.gaShare ?? 0.3;
  const declineShare = options.declineShare ?? 0.1;
  const releaseShare = options.releaseShare ?? 0.1;
  const durationSeconds = options.durationSeconds ?? 30;
  const requestsPerConnection = options.requestsPerConnection ?? 60;
  const common = {
    duration: durationSeconds,
    maxConnectionRequests: requestsPerConnection,
    timeout: options.timeoutSeconds ?? 30,
    pipelining: 1,
  };

  const counts = {
    holdAttempts: 0,
    holdsCreated: 0,
    bookingsConfirmed: 0,
    seatsBooked: 0,
    gaPlacesBooked: 0,
    paymentsDeclined: 0,
    holdsReleased: 0,
    soldOutFlows: 0,
  };
  const holdLatencies: number[] = [];
  let unexpected = 0;
  let nextToken = 0;
  let lastStepsSent = 0;
  let lastStepsAnswered = 0;
  const bookingPath = (path: string): string => new URL(path, target.bookingUrl).pathname;
  const json = (token: string): Record<string, string> => ({
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    'idempotency-key': randomUUID(),
  });
  const expect = (status: number, ...ok: number[]): void => {
    if (!ok.includes(status)) unexpected += 1;
  };

  const requests: autocannon.Request[] = [
    {
      method: 'GET',
      path: bookingPath(`/events/${target.eventId}/availability`),
      onResponse: (status, body, context) => {
        const flow = context as FlowContext;
        expect(status, 200);
        if (status !== 200) return;
        flow.token = target.buyerTokens[nextToken++ % target.buyerTokens.length]!;
        flow.hold = chooseHold(target.eventId, JSON.parse(body) as Availability, gaShare);
        if (!flow.hold) counts.soldOutFlows += 1;
      },
    },
    {
      method: 'POST',
      path: bookingPath('/holds'),
      // A falsy return sends this connection back to the first request.
      setupRequest: ((request: autocannon.Request, context: FlowContext) => {
        if (!context.hold || !context.token) return undefined;
        counts.holdAttempts += 1;
        context.holdSentAt = performance.now();
        return { ...request, headers: json(context.token), body: context.hold.body };
      }) as autocannon.Request['setupRequest'],
      onResponse: (status, body, context) => {
        const flow = context as FlowContext;
        if (flow.holdSentAt !== undefined) holdLatencies.push(performance.now() - flow.holdSentAt);
        if (status === 409) {
          const type = String((JSON.parse(body) as { type?: string }).type ?? '')
            .split('/')
            .pop();
          if (type !== 'seats-unavailable' && type !== 'not-enough-places') unexpected += 1;
          return;
        }
        expect(status, 201);
        if (status !== 201) return;
        counts.holdsCreated += 1;
        flow.holdId = (JSON.parse(body) as { id: string }).id;
        const roll = Math.random();
        flow.step = roll < releaseShare ? 'release' : roll < releaseShare + declineShare ? 'declined' : 'approved';
      },
    },
    {
      method: 'POST',
      path: bookingPath('/holds'),
      setupRequest: ((request: autocannon.Request, context: FlowContext) => {
        if (!context.holdId || !context.token || !context.step) return undefined;
        lastStepsSent += 1;
        const path = bookingPath(`/holds/${context.holdId}`);
        if (context.step === 'release') {
          const { 'content-type': _, ...headers } = json(context.token);
          return { ...request, method: 'DELETE', path, headers, body: undefined };
        }
        const paymentMethod = context.step === 'approved' ? 'pm_card_approved' : 'pm_card_declined';
        return { ...request, method: 'POST', path: `${path}/checkout`, headers: json(context.token), body: JSON.stringify({ paymentMethod }) };
      }) as autocannon.Request['setupRequest'],
      onResponse: (status, _body, context) => {
        const flow = context as FlowContext;
        lastStepsAnswered += 1;
        if (flow.step === 'release') {
          expect(status, 200);
          if (status === 200) counts.holdsReleased += 1;
        } else if (flow.step === 'declined') {
          expect(status, 402);
          if (status === 402) counts.paymentsDeclined += 1;
        } else {
          expect(status, 201);
          if (status === 201 && flow.hold) {
            counts.bookingsConfirmed += 1;
            if (flow.hold.kind === 'seats') counts.seatsBooked += flow.hold.quantity;
            else counts.gaPlacesBooked += flow.hold.quantity;
          }
        }
      },
    },
  ];

  const event = await fetch(new URL(`/events/${target.eventId}`, target.catalogUrl), { signal: AbortSignal.timeout(10_000) });
  if (event.status !== 200)
    throw new StackError(`GET ${target.catalogUrl}/events/${target.eventId} answered ${event.status}: ${(await event.text()).slice(0, 300)}`);
  const { startsAt, venue } = (await event.json()) as { startsAt: string; venue: { city: string } };
  const from = new Date(Date.parse(startsAt) - 24 * 3600 * 1000).toISOString();
  const searchPath = `/events?city=${encodeURIComponent(venue.city)}&from=${encodeURIComponent(from)}&limit=20`;

  const started = performance.now();
  const instances = [
    start({ ...common, url: target.bookingUrl, connections: options.buyers ?? 8, requests }),
    start({
      ...common,
      url: target.catalogUrl,
      connections: options.searchers ?? 1,
      requests: [{ method: 'GET', path: searchPath, onResponse: (status) => expect(status, 200) }],
    }),
  ];
  const stop = (): void => {
    for (const instance of instances) instance.stop();
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  let results: autocannon.Result[];
  try {
    results = await Promise.all(instances);
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
  const elapsed = (performance.now() - started) / 1000;

  const statusCounts: Record<string, number> = {};
  for (const result of results) {
    for (const [status, { count = 0 }] of Object.entries(result.statusCodeStats ?? {})) statusCounts[status] = (statusCounts[status] ?? 0) + count;
  }
  const requestsDone = Object.values(statusCounts).reduce((sum, n) => sum + n, 0);
  const byClass = (test: (status: number) => boolean): number =>
    Object.entries(statusCounts)
      .filter(([s]) => test(Number(s)))
      .reduce((sum, [, n]) => sum + n, 0);
  return {
    requests: requestsDone,
    requestsPerSecond: requestsDone / Math.max(elapsed, 0.001),
    durationSeconds: elapsed,
    statusCounts,
    unexpected,
    http5xx: byClass((s) => s >= 500),
    http429: byClass((s) => s === 429),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    holdP95Ms: percentile95(holdLatencies),
    bookingP97_5Ms: results[0]?.latency.p97_5,
    ...counts,
    cutOff: lastStepsSent - lastStepsAnswered,
  };
}

/**
 * The k6 script's thresholds, for an autocannon run: what is wrong with it,
 * or [] when it passed. No 5xx, no unexpected status or connection error,
 * something sold, holds fast enough.
 */
export function onsaleProblems(counts: OnsaleCounts, options: { holdP95Ms?: number } = {}): string[] {
  const holdP95Limit = options.holdP95Ms ?? 500;
  const problems: string[] = [];
  if (counts.http5xx > 0) problems.push(`${counts.http5xx} responses were 5xx`);
  if (counts.unexpected > 0) problems.push(`${counts.unexpected} responses had an unexpected status`);
  if (counts.errors > 0) problems.push(`${counts.errors} connection errors or timeouts`);
  if (counts.bookingsConfirmed === 0) problems.push('no booking was confirmed');
  if (counts.holdP95Ms !== undefined && counts.holdP95Ms >= holdP95Limit) problems.push(`holds p95 ${counts.holdP95Ms.toFixed(0)} ms ≥ ${holdP95Limit} ms`);
  return problems;
}
