/**
 * What a run measured, in one shape for both engines (the local engine
 * records it request by request; a k6 run's summary is converted to it), the
 * scenario's thresholds judged against it, and the summary table. Pure: no I/O.
 */
import type { Outcome, Thresholds } from '../scenarios.js';

export interface LatencyStats {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface RequestStats {
  count: number;
  /** Count per status (`0`: connection error or timeout). Empty when the engine does not report them (k6). */
  statuses: Record<string, number>;
  /** Count per outcome (`error` included). Empty when the engine does not report them (k6). */
  outcomes: Record<string, number>;
  latencyMs: LatencyStats | undefined;
}

export interface RunResult {
  scenario: string;
  engine: 'local' | 'k6';
  durationSeconds: number;
  iterations: {
    completed: number;
    /** Arrivals that found no free VU (open profiles). */
    dropped: number;
    /** Iterations cut off at the run's hard end. */
    interrupted: number;
  };
  /** Per request name. */
  requests: Record<string, RequestStats>;
  totals: { requests: number; errors: number };
  /** Request outcomes (held, confirmed, seats-taken, declined, …) and flow counts (sold-out), summed. */
  outcomes: Record<string, number>;
}

export interface ThresholdCheck {
  threshold: string;
  limit: string;
  actual: string;
  ok: boolean;
}

/** The nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Collects a local run, request by request. */
export class RunRecorder {
  private readonly latencies = new Map<string, number[]>();
  private readonly stats = new Map<string, Omit<RequestStats, 'latencyMs'>>();
  private readonly outcomes: Record<string, number> = {};
  readonly iterations = { completed: 0, dropped: 0, interrupted: 0 };
  requests = 0;
  errors = 0;

  constructor(private readonly scenario: string) {}

  request(name: string, status: number, outcome: Outcome | 'error', ms: number): void {
    let stats = this.stats.get(name);
    if (!stats) this.stats.set(name, (stats = { count: 0, statuses: {}, outcomes: {} }));
    stats.count += 1;
    stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
    stats.outcomes[outcome] = (stats.outcomes[outcome] ?? 0) + 1;
    this.count(outcome);
    this.requests += 1;
    if (outcome === 'error') this.errors += 1;
    // Connection errors have no latency worth ranking.
    if (status !== 0) {
      let values = this.latencies.get(name);
      if (!values) this.latencies.set(name, (values = []));
      values.push(ms);
    }
  }

  count(name: string): void {
    this.outcomes[name] = (this.outcomes[name] ?? 0) + 1;
  }

  result(durationSeconds: number): RunResult {
    const requests: Record<string, RequestStats> = {};
    for (const [name, stats] of [...this.stats].sort(([a], [b]) => a.localeCompare(b))) {
      const sorted = (this.latencies.get(name) ?? []).map((v) => Math.round(v * 10) / 10).sort((a, b) => a - b);
      requests[name] = {
        ...stats,
        latencyMs: sorted.length ? { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1)! } : undefined,
      };
    }
    return {
      scenario: this.scenario,
      engine: 'local',
      durationSeconds: Math.round(durationSeconds * 1000) / 1000,
      iterations: { ...this.iterations },
      requests,
      totals: { requests: this.requests, errors: this.errors },
      outcomes: { ...this.outcomes },
    };
  }
}

const ms = (value: number) => `${value.toFixed(0)} ms`;

/** Every threshold of the scenario against the run, in a stable order. */
export function evaluateThresholds(thresholds: Thresholds, result: RunResult): ThresholdCheck[] {
  const checks: ThresholdCheck[] = [];
  for (const [name, limit] of Object.entries(thresholds.latencyMs)) {
    const latency = result.requests[name]?.latencyMs;
    for (const p of ['p95', 'p99'] as const) {
      // A request the run never sent cannot be too slow; minOutcomes says whether it had to be sent.
      checks.push({
        threshold: `${p} ${name}`,
        limit: `< ${ms(limit[p])}`,
        actual: latency ? ms(latency[p]) : 'not sent',
        ok: !latency || latency[p] < limit[p],
      });
    }
  }
  const { requests, errors } = result.totals;
  const rate = requests === 0 ? 0 : errors / requests;
  checks.push({
    threshold: 'error rate (409 seats taken and 402 declined are not errors)',
    limit: `<= ${(thresholds.maxErrorRate * 100).toFixed(2)} %`,
    actual: `${(rate * 100).toFixed(2)} % (${errors} of ${requests})`,
    ok: requests > 0 && rate <= thresholds.maxErrorRate,
  });
  checks.push({
    threshold: 'dropped iterations',
    limit: `<= ${thresholds.maxDroppedIterations}`,
    actual: String(result.iterations.dropped),
    ok: result.iterations.dropped <= thresholds.maxDroppedIterations,
  });
  for (const [outcome, min] of Object.entries(thresholds.minOutcomes)) {
    const actual = result.outcomes[outcome] ?? 0;
    checks.push({ threshold: `outcome ${outcome}`, limit: `>= ${min}`, actual: String(actual), ok: actual >= min });
  }
  return checks;
}

/** Fixed-width columns; the first column left-aligned, the rest right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The readable end of a run: requests per name, outcomes, iterations, thresholds. */
export function formatSummary(result: RunResult, checks: readonly ThresholdCheck[]): string {
  const fmt = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(0));
  const requestRows = Object.entries(result.requests).map(([name, s]) => [
    name,
    String(s.count),
    Object.entries(s.statuses)
      .map(([status, n]) => `${status}×${n}`)
      .join(' ') || '-',
    String(s.outcomes['error'] ?? (Object.keys(s.outcomes).length ? 0 : '-')),
    fmt(s.latencyMs?.p50),
    fmt(s.latencyMs?.p95),
    fmt(s.latencyMs?.p99),
    fmt(s.latencyMs?.max),
  ]);
  const { requests, errors } = result.totals;
  const outcomes = Object.entries(result.outcomes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  const failed = checks.filter((c) => !c.ok).length;
  return [
    `Scenario ${result.scenario} (${result.engine} engine): ${requests} requests in ${result.durationSeconds.toFixed(1)} s ` +
      `(${(requests / Math.max(result.durationSeconds, 0.001)).toFixed(1)}/s), ${errors} errors`,
    `iterations: ${result.iterations.completed} completed, ${result.iterations.dropped} dropped, ${result.iterations.interrupted} cut off at the end`,
    `outcomes: ${outcomes || 'none'}`,
    '',
    table(['request', 'count', 'statuses', 'errors', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], requestRows),
    '',
    table(
      ['threshold', 'limit', 'actual', ''],
      checks.map((c) => [c.threshold, c.limit, c.actual, c.ok ? 'ok' : 'CROSSED']),
    ),
    '',
    failed === 0 ? 'thresholds: all held' : `thresholds: ${failed} crossed`,
  ].join('\n');
}
