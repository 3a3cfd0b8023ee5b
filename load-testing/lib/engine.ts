/**
 * The local engine: drives a scenario of ../scenarios.ts over undici against
 * services on this machine (127.0.0.1 only). Closed profiles run VUs that
 * loop; open profiles are an arrival scheduler: iterations start at the
 * profile's rate whatever the latency, and an arrival that finds all maxVUs
 * busy is counted as dropped (as k6's dropped_iterations).
 *
 * Bounded twice: no iteration starts after the profile's end or once
 * `maxRequests` requests were sent, and whatever still runs
 * `gracefulStopSeconds` later is cut off (counted as interrupted).
 */
import { Agent, request } from 'undici';
import { StackError } from '../../scripts/local-stack/errors.js';
import {
  buyerOf,
  classify,
  iterationRandom,
  profileSeconds,
  type Answer,
  type ArrivalStage,
  type PlannedRequest,
  type Scenario,
  type Target,
} from '../scenarios.js';
import { RunRecorder, type RunResult } from './results.js';

export interface EngineTarget {
  catalogUrl: string;
  bookingUrl: string;
  target: Target;
  buyerTokens: readonly string[];
}

export interface EngineOptions {
  /** No iteration starts once this many requests were sent. @default 50000 */
  maxRequests?: number;
  /** Per request. @default 30 */
  timeoutSeconds?: number;
  /** One progress line every this many seconds. @default 2 */
  progressEverySeconds?: number;
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** The local engine loads this machine only. */
export function assertLoopbackUrl(url: string): void {
  const host = new URL(url).hostname;
  if (!loopbackHosts.has(host)) {
    throw new StackError(`the local engine targets loopback addresses only (127.0.0.1); ${url} is not one. Use k6 (--engine k6) for a remote target.`);
  }
}

/** Iterations due by `seconds` into an open profile: the integral of its piecewise-linear rate. */
export function arrivalsBy(startRate: number, stages: readonly ArrivalStage[], seconds: number): number {
  let total = 0;
  let from = startRate;
  let left = seconds;
  for (const stage of stages) {
    if (left <= 0) break;
    const t = Math.min(left, stage.durationSeconds);
    const slope = stage.durationSeconds > 0 ? (stage.target - from) / stage.durationSeconds : 0;
    total += from * t + (slope * t * t) / 2;
    left -= t;
    from = stage.target;
  }
  return total;
}

/** Runs `scenario` against `target` and resolves with what it measured. */
export async function runLocal(scenario: Scenario, target: EngineTarget, options: EngineOptions = {}): Promise<RunResult> {
  assertLoopbackUrl(target.catalogUrl);
  assertLoopbackUrl(target.bookingUrl);
  if (target.buyerTokens.length === 0) throw new StackError('No buyer tokens.');
  const maxRequests = options.maxRequests ?? 50_000;
  const timeoutMs = 1000 * (options.timeoutSeconds ?? 30);
  const recorder = new RunRecorder(scenario.name);
  const profile = scenario.profile;
  const concurrency = profile.kind === 'open' ? profile.maxVUs : profile.vus;
  const agent = new Agent({ connections: concurrency, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const hardStop = new AbortController();
  const onAbort = () => hardStop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const baseUrl = { catalog: target.catalogUrl.replace(/\/+$/, ''), booking: target.bookingUrl.replace(/\/+$/, '') };
  let keys = 0;
  let startingStopped = false;
  const mayStart = () => !startingStopped && !hardStop.signal.aborted && recorder.requests < maxRequests;

  async function send(planned: PlannedRequest, token: string): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (planned.auth) headers['authorization'] = `Bearer ${token}`;
    if (planned.idempotent) headers['idempotency-key'] = `load-${scenario.name}-${Date.now().toString(36)}-${(keys += 1)}`;
    if (planned.body !== undefined) headers['content-type'] = 'application/json';
    const started = performance.now();
    let status = 0;
    let body: unknown;
    try {
      const response = await request(`${baseUrl[planned.service]}${planned.path}`, {
        method: planned.method,
        headers,
        body: planned.body === undefined ? undefined : JSON.stringify(planned.body),
        dispatcher: agent,
        signal: hardStop.signal,
      });
      const text = await response.body.text();
      status = response.statusCode;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
    } catch {
      status = 0; // connection error, timeout, or the hard stop
    }
    const ms = performance.now() - started;
    if (hardStop.signal.aborted && status === 0) return { status, body, outcome: 'error' };
    const outcome = classify(planned, status, body);
    recorder.request(planned.name, status, outcome, ms);
    return { status, body, outcome };
  }

  let iterationsStarted = 0;
  async function iterate(): Promise<void> {
    const iteration = iterationsStarted++;
    const token = buyerOf(target.buyerTokens, iteration);
    const flow = scenario.flow({ target: target.target, random: iterationRandom(scenario.data.seed, iteration), count: (name) => recorder.count(name) });
    for (let step = flow.next(); !step.done;) {
      const answer = await send(step.value, token);
      if (hardStop.signal.aborted) {
        recorder.iterations.interrupted += 1;
        return;
      }
      step = flow.next(answer);
    }
    recorder.iterations.completed += 1;
  }

  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const running = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    running.add(work);
    const done = () => void running.delete(work);
    work.then(done, done);
  };
  const progress = setInterval(
    () => {
      const s = elapsed();
      options.onProgress?.(
        `${s.toFixed(0).padStart(4)} s  active ${String(running.size).padStart(3)}  iterations ${recorder.iterations.completed}  ` +
          `requests ${recorder.requests} (${(recorder.requests / Math.max(s, 0.001)).toFixed(1)}/s)  errors ${recorder.errors}  dropped ${recorder.iterations.dropped}`,
      );
    },
    1000 * (options.progressEverySeconds ?? 2),
  );
  const totalSeconds = profileSeconds(profile);
  // Profiles bounded by iterations get the graceful stop as their whole time.
  const hardStopTimer = setTimeout(() => hardStop.abort(), 1000 * ((totalSeconds ?? 0) + scenario.gracefulStopSeconds));
  // Closed VUs stop looping at the end; the arrival scheduler stops by itself once every due arrival started.
  const endTimer = profile.kind === 'closed' && totalSeconds !== undefined ? setTimeout(() => (startingStopped = true), 1000 * totalSeconds) : undefined;

  try {
    if (profile.kind === 'closed') {
      for (let vu = 0; vu < profile.vus; vu += 1) {
        track(
          (async () => {
            for (let i = 0; (profile.iterations === undefined || i < profile.iterations) && mayStart(); i += 1) await iterate();
          })(),
        );
      }
    } else {
      let free = profile.maxVUs;
      let fired = 0;
      await new Promise<void>((resolve) => {
        const tick = setInterval(() => {
          // One reading of the clock per tick: with two, a tick just before the end could stop the
          // scheduler without starting the arrivals due in its last instant.
          const now = elapsed();
          // (The epsilon: an integral that should be whole, 75, may come out as 74.99999999.)
          const due = Math.floor(arrivalsBy(profile.startRate, profile.stages, Math.min(now, totalSeconds!)) + 1e-9);
          for (; fired < due; fired += 1) {
            if (!mayStart()) break;
            if (free === 0) {
              recorder.iterations.dropped += 1;
              continue;
            }
            free -= 1;
            track(iterate().finally(() => (free += 1)));
          }
          if (!mayStart() || now >= totalSeconds!) {
            clearInterval(tick);
            resolve();
          }
        }, 20);
      });
    }
    while (running.size > 0) await Promise.race(running);
  } finally {
    clearInterval(progress);
    clearTimeout(hardStopTimer);
    clearTimeout(endTimer);
    options.signal?.removeEventListener('abort', onAbort);
    await agent.close();
  }
  return recorder.result(elapsed());
}
