/**
 * The k6 engine of the onsale scenarios (scenarios.ts, shared with the local
 * engine): k6 v1 runs this TypeScript and loads the scenarios module next to
 * it. Profiles become k6 executors (closed: per-vu-iterations or constant-vus;
 * open: ramping-arrival-rate) and the scenario's thresholds k6 thresholds.
 *
 * It creates nothing and targets only the URLs it is given:
 *   CATALOG_URL, BOOKING_URL  base URLs (the gateway's /api/catalog and /api/booking in a cluster)
 *   EVENT_ID                  the on-sale event (npm run load seeds one)
 *   BUYER_TOKENS              comma-separated buyer bearer tokens; iteration n is buyer n mod count
 *   SCENARIO                  smoke (default) | browse | spike | soak
 * and the scenario's knobs (load-testing/README.md), e.g. SPIKE_BASE_RATE=40.
 *
 *   npm run load -- --engine k6 --scenario spike      (a k6 you installed; the project never downloads it)
 *   k6 run -e CATALOG_URL=… -e BOOKING_URL=… -e EVENT_ID=… -e BUYER_TOKENS=… load-testing/onsale.ts
 */
import { fail } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter, Rate } from 'k6/metrics';
import type { Options } from 'k6/options';
import { buyerOf, classify, iterationRandom, k6Options, scenario as defineScenario, targetOf, type PlannedRequest, type Target } from './scenarios.ts';

const scenario = defineScenario((__ENV.SCENARIO ?? 'smoke').toLowerCase(), __ENV);

const k6 = k6Options(scenario);
export const options: Options = {
  scenarios: { [scenario.name]: k6.executor },
  thresholds: k6.thresholds,
  summaryTrendStats: ['count', 'med', 'p(95)', 'p(99)', 'max'],
  userAgent: 'ticketing-onsale-k6/2.0',
};

const requestErrors = new Rate('request_errors');
const outcomes = new Counter('outcomes');

interface Setup {
  catalogUrl: string;
  bookingUrl: string;
  tokens: string[];
  target: Target;
}

const trimSlash = (url: string): string => url.replace(/\/+$/, '');

export function setup(): Setup {
  const missing = ['CATALOG_URL', 'BOOKING_URL', 'EVENT_ID', 'BUYER_TOKENS'].filter((name) => !__ENV[name]);
  if (missing.length > 0) fail(`missing environment: ${missing.join(', ')} (see load-testing/README.md)`);
  const catalogUrl = trimSlash(__ENV.CATALOG_URL!);
  // A read-only look at the target, so a wrong URL or event fails at once rather than as 100 % errors.
  const event = http.get(`${catalogUrl}/events/${__ENV.EVENT_ID}`, { tags: { name: 'setup' } });
  if (event.status !== 200) fail(`GET ${catalogUrl}/events/${__ENV.EVENT_ID} answered ${event.status}: ${String(event.body).slice(0, 300)}`);
  const body = event.json() as unknown as { id: string; status: string; startsAt: string; venue: { city: string } };
  if (body.status !== 'on_sale') fail(`event ${body.id} is ${body.status}, not on_sale`);
  return {
    catalogUrl,
    bookingUrl: trimSlash(__ENV.BOOKING_URL!),
    tokens: __ENV
      .BUYER_TOKENS!.split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    target: targetOf(body),
  };
}

let keys = 0;
let primed = false;

function send(setup: Setup, planned: PlannedRequest, token: string) {
  const headers: Record<string, string> = {};
  if (planned.auth) headers['Authorization'] = `Bearer ${token}`;
  // Unique across VUs, runner pods and runs (VUs share no state).
  if (planned.idempotent)
    headers['Idempotency-Key'] = `k6-${exec.vu.idInTest}-${(keys += 1)}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  if (planned.body !== undefined) headers['Content-Type'] = 'application/json';
  const base = planned.service === 'catalog' ? setup.catalogUrl : setup.bookingUrl;
  const response = http.request(planned.method, `${base}${planned.path}`, planned.body === undefined ? null : JSON.stringify(planned.body), {
    headers,
    tags: { name: planned.name },
    // k6's own http_req_failed then agrees with the scenario's expectations.
    responseCallback: http.expectedStatuses(...planned.expect.map((e) => e.status)),
  });
  let body: unknown;
  try {
    body = typeof response.body === 'string' && response.body ? JSON.parse(response.body) : undefined;
  } catch {
    body = undefined;
  }
  const outcome = classify(planned, response.status, body);
  requestErrors.add(outcome === 'error', { name: planned.name });
  outcomes.add(1, { outcome });
  return { status: response.status, body, outcome };
}

export default function onsale(setup: Setup): void {
  if (!primed) {
    // Every required outcome has data, so `count>=N` is judged even when it never happened.
    for (const outcome of Object.keys(scenario.thresholds.minOutcomes)) outcomes.add(0, { outcome });
    primed = true;
  }
  // Numbered across the test: unique even when several runner pods split it.
  const iteration = exec.scenario.iterationInTest;
  const token = buyerOf(setup.tokens, iteration);
  const flow = scenario.flow({
    target: setup.target,
    random: iterationRandom(scenario.data.seed, iteration),
    count: (name) => outcomes.add(1, { outcome: name }),
  });
  for (let step = flow.next(); !step.done;) step = flow.next(send(setup, step.value, token));
}
