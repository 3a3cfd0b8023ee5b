/**
 * Runs the k6 engine (../onsale.ts) with the k6 you installed (K6_BINARY, or
 * k6 on PATH; the project never downloads or builds it), and turns k6's
 * end-of-test summary into the run result both engines share.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCommand } from '../../scripts/local-stack/commands.js';
import { findK6 } from '../../scripts/local-stack/k6.js';
import type { Thresholds } from '../scenarios.js';
import type { RequestStats, RunResult } from './results.js';

export const onsaleScript = resolve(import.meta.dirname, '..', 'onsale.ts');

export interface K6Target {
  catalogUrl: string;
  bookingUrl: string;
  eventId: string;
  buyerTokens: readonly string[];
}

/** The parts of k6's --summary-export JSON read here. */
export interface K6Summary {
  metrics: Record<
    string,
    { count?: number; rate?: number; value?: number; passes?: number; fails?: number; med?: number; max?: number } & Record<string, number>
  >;
}

export interface K6Run {
  code: number;
  /** k6's end-of-test summary, if it got that far. */
  summary: K6Summary | undefined;
}

/** Runs `scenario` with k6 against `target`; SIGINT then SIGKILL after `timeoutMs`. */
export async function runK6(target: K6Target, options: { scenario: string; knobs: Record<string, string>; timeoutMs: number }): Promise<K6Run> {
  const k6 = findK6();
  const dir = mkdtempSync(join(tmpdir(), 'k6-onsale-'));
  const summaryFile = join(dir, 'summary.json');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.knobs,
    CATALOG_URL: target.catalogUrl,
    BOOKING_URL: target.bookingUrl,
    EVENT_ID: target.eventId,
    BUYER_TOKENS: target.buyerTokens.join(','),
    SCENARIO: options.scenario,
    K6_NO_USAGE_REPORT: 'true',
  };
  try {
    // k6 reads the environment itself (`__ENV`); -e would put the tokens on the command line.
    const { code } = await runCommand(k6, ['run', '--include-system-env-vars', '--summary-export', summaryFile, onsaleScript], {
      env,
      showOutput: true,
      timeoutMs: options.timeoutMs,
      detached: false,
    });
    let summary: K6Summary | undefined;
    try {
      summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as K6Summary;
    } catch {
      summary = undefined;
    }
    return { code, summary };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * k6's summary as a run result. k6 reports per-name latencies and per-outcome
 * counts only for what has a threshold (the scenario's latency limits and
 * required outcomes), so those are what the result holds; statuses per name
 * are k6's to show (its own summary, printed above).
 */
export function fromK6Summary(scenario: string, thresholds: Thresholds, summary: K6Summary): RunResult {
  const m = summary.metrics;
  const requests: Record<string, RequestStats> = {};
  for (const name of Object.keys(thresholds.latencyMs).sort()) {
    const trend = m[`http_req_duration{name:${name}}`];
    if (!trend || !trend.count) continue;
    requests[name] = {
      count: trend.count,
      statuses: {},
      outcomes: {},
      latencyMs: { p50: trend.med ?? 0, p95: trend['p(95)'] ?? 0, p99: trend['p(99)'] ?? 0, max: trend.max ?? 0 },
    };
  }
  const outcomes: Record<string, number> = {};
  for (const [key, metric] of Object.entries(m)) {
    const outcome = /^outcomes\{outcome:(.+)\}$/.exec(key)?.[1];
    if (outcome) outcomes[outcome] = metric.count ?? 0;
  }
  const totalRequests = m['http_reqs']?.count ?? 0;
  const rate = m['http_reqs']?.rate ?? 0;
  return {
    scenario,
    engine: 'k6',
    durationSeconds: rate > 0 ? totalRequests / rate : 0,
    // k6 counts iterations cut off at the end only in its own summary (printed above), not as a metric.
    iterations: { completed: m['iterations']?.count ?? 0, dropped: m['dropped_iterations']?.count ?? 0, interrupted: 0 },
    requests,
    // Counted per scenario request (setup()'s look at the event is not one).
    totals: { requests: (m['request_errors']?.passes ?? 0) + (m['request_errors']?.fails ?? 0), errors: m['request_errors']?.passes ?? 0 },
    outcomes,
  };
}
