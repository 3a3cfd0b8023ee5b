/**
 * What the benchmarks share: the services in this process on a throwaway
 * database, autocannon runs with exact percentiles, pgbench runs of the same
 * SQL with the same clients, a count of the statements this process sends,
 * and PNG line charts.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { Worker } from 'node:worker_threads';
import type autocannon from 'autocannon';
import pg from 'pg';
import { startCatalogAndBooking, type LocalServices } from '@ticketing/testing';
import { runCommand } from '../local-stack/commands.js';
import { StackError } from '../local-stack/errors.js';
import { logToStderr } from '../local-stack/logging.js';
import { ensurePgbench } from '../local-stack/postgres.js';

export const log = logToStderr;

/** PostgreSQL (superuser URL) and Kafka the benchmark runs against: those of `npm start` or the test servers. */
export function benchServers(): { databaseServerUrl: string; kafkaBrokers: string } {
  const databaseServerUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  const kafkaBrokers = process.env.TEST_KAFKA_BROKERS ?? process.env.KAFKA_BROKERS;
  if (!databaseServerUrl || !kafkaBrokers) {
    throw new StackError('A benchmark needs PostgreSQL and Kafka: set TEST_DATABASE_URL and TEST_KAFKA_BROKERS (`npm start` prints both).');
  }
  return { databaseServerUrl, kafkaBrokers };
}

/** Catalog and booking in this process, on a fresh database; background loops slowed unless `env` says otherwise. */
export function startBenchServices(env: Record<string, string> = {}): Promise<LocalServices> {
  return startCatalogAndBooking({ ...benchServers(), env: { LOG_LEVEL: 'error', SWEEPER_INTERVAL_MS: '600000', ...env } });
}

/** Counts the statements every pg client of this process sends (the services run in this process). */
export function countStatements() {
  const original = pg.Client.prototype.query;
  let statements = 0;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    statements++;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  return {
    count: () => statements,
    /** Statements sent while `work` ran. */
    async during<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
      const before = statements;
      const result = await work();
      return { result, statements: statements - before };
    },
  };
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Response bytes (headers included) per request. */
  bytesPerRequest: number;
  statuses: Record<string, number>;
  errors: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Closed-model load: `connections` clients, each sending the next request when the last answered; autocannon in a worker thread. */
export async function runLoad(options: {
  url: string;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  requests?: autocannon.Request[];
}): Promise<LoadResult> {
  const run = await new Promise<{ latencies: number[]; statuses: Record<string, number>; durationSeconds: number; bytes: number; errors: number }>(
    (resolve, reject) => {
      const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), {
        workerData: { url: options.url, connections: options.connections, duration: options.seconds, headers: options.headers, requests: options.requests },
      });
      worker.once('message', resolve).once('error', reject);
    },
  );
  const { latencies, statuses } = run;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    rps: latencies.length / (run.durationSeconds || options.seconds),
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    p99Ms: percentile(latencies, 99),
    bytesPerRequest: run.bytes / Math.max(1, latencies.length),
    statuses,
    errors: run.errors,
  };
}

export interface PgbenchResult {
  tps: number;
  p50Ms: number;
  p95Ms: number;
  transactions: number;
}

/**
 * pgbench running `script` (pgbench syntax: \set lines and SQL) with
 * `clients` clients for `seconds`; percentiles from its per-transaction log.
 * `prepared` uses the extended protocol with prepared statements, as named
 * node-postgres queries do.
 */
export async function runPgbench(options: {
  databaseUrl: string;
  script: string;
  clients: number;
  seconds: number;
  prepared?: boolean;
}): Promise<PgbenchResult> {
  const pgbench = await ensurePgbench({ log });
  const dir = mkdtempSync(join(tmpdir(), 'pgbench-'));
  try {
    const scriptFile = join(dir, 'script.sql');
    writeFileSync(scriptFile, options.script);
    const args = [
      '--no-vacuum',
      `--client=${options.clients}`,
      `--jobs=${Math.min(options.clients, 2)}`,
      `--time=${options.seconds}`,
      `--protocol=${options.prepared === false ? 'simple' : 'prepared'}`,
      '--log',
      `--log-prefix=${join(dir, 'tx')}`,
      `--file=${scriptFile}`,
      options.databaseUrl,
    ];
    const run = await runCommand(pgbench, args, { showOutput: false });
    if (run.code !== 0) throw new StackError(`pgbench exited ${run.code}`, run.output.slice(-2000));
    const tps = Number(/tps = ([\d.]+)/.exec(run.output)?.[1]);
    const latencies: number[] = [];
    for (const file of readdirSync(dir).filter((f) => f.startsWith('tx'))) {
      for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
        const fields = line.split(' ');
        if (fields.length > 3) latencies.push(Number(fields[2]) / 1000);
      }
    }
    latencies.sort((a, b) => a - b);
    return { tps, p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95), transactions: latencies.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ChartSeries {
  name: string;
  color: string;
  points: { x: number; y: number }[];
}

/** A line chart as PNG (an SVG drawn here, rasterized by resvg). */
export function lineChartPng(options: { title: string; xLabel: string; yLabel: string; series: ChartSeries[]; width?: number; height?: number }): Buffer {
  const { width = 800, height = 450 } = options;
  const margin = { left: 70, right: 180, top: 40, bottom: 50 };
  const all = options.series.flatMap((s) => s.points);
  const maxX = Math.max(1, ...all.map((p) => p.x));
  const maxY = Math.max(1, ...all.map((p) => p.y)) * 1.1;
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const sx = (x: number) => margin.left + (x / maxX) * plotW;
  const sy = (y: number) => margin.top + plotH - (y / maxY) * plotH;
  const ticks = (max: number) => Array.from({ length: 6 }, (_, i) => (max * i) / 5);
  const fmt = (v: number) => (v >= 100 ? Math.round(v).toString() : v.toFixed(1));
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2 - margin.right / 2}" y="22" text-anchor="middle" font-size="15">${esc(options.title)}</text>`,
    ...ticks(maxX).map(
      (x) =>
        `<line x1="${sx(x)}" y1="${margin.top}" x2="${sx(x)}" y2="${margin.top + plotH}" stroke="#eee"/><text x="${sx(x)}" y="${margin.top + plotH + 16}" text-anchor="middle">${fmt(x)}</text>`,
    ),
    ...ticks(maxY).map(
      (y) =>
        `<line x1="${margin.left}" y1="${sy(y)}" x2="${margin.left + plotW}" y2="${sy(y)}" stroke="#eee"/><text x="${margin.left - 6}" y="${sy(y) + 4}" text-anchor="end">${fmt(y)}</text>`,
    ),
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 12}" text-anchor="middle">${esc(options.xLabel)}</text>`,
    `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(options.yLabel)}</text>`,
    ...options.series.map((s, i) => {
      const path = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
      const dots = s.points.map((p) => `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${s.color}"/>`).join('');
      const legendY = margin.top + 10 + i * 20;
      return (
        `<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>${dots}` +
        `<line x1="${width - margin.right + 12}" y1="${legendY}" x2="${width - margin.right + 32}" y2="${legendY}" stroke="${s.color}" stroke-width="3"/>` +
        `<text x="${width - margin.right + 38}" y="${legendY + 4}">${esc(s.name)}</text>`
      );
    }),
    '</svg>',
  ];
  return new Resvg(parts.join(''), { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}

/** Formats a number for a Markdown table. */
export const n = (value: number, digits = 0): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');
