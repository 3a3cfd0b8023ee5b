/**
 * What the benchmarks share: the services in this process on a throwaway
 * database, autocannon runs with exact percentiles, pgbench runs of the same
 * SQL with the same clients, and a count of the statements this process sends.
 */
export { lineChartPng, type ChartSeries } from '../local-stack/line-chart.js';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type autocannon from 'autocannon';
import pg from 'pg';
import { onEveryQuery, startCatalogAndBooking, type LocalServices } from '@ticketing/testing';

export { onEveryQuery, type QueryCall } from '@ticketing/testing';
import { runCommand } from '../local-stack/commands.js';
import { StackError } from '../local-stack/errors.js';
import { logToStderr } from '../local-stack/logging.js';
import { ensurePgbench } from '../local-stack/postgres.js';
import { statCpuSeconds } from './proc-stat.mjs';

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

/** Counts the statements every pg client of this process sends. */
export function countStatements() {
  let statements = 0;
  onEveryQuery(() => void statements++);
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

/**
 * A worker thread that serves many jobs, one at a time: each job is posted to
 * it, and its one answering message settles `run` (an answer with `error`
 * rejects). One thread for all of a benchmark's runs, so V8 compiles the load
 * generator once, not again during each measured run on the machine's CPU.
 */
export function startJobWorker(url: URL): { run<T>(job: object): Promise<T>; close(): Promise<void> } {
  const worker = new Worker(url);
  // Idle, it does not keep the benchmark's process alive.
  worker.unref();
  let jobsBefore: Promise<unknown> = Promise.resolve();
  return {
    run<T>(job: object): Promise<T> {
      const answer = jobsBefore.then(
        () =>
          new Promise<T>((resolve, reject) => {
            worker.once('error', reject).once('message', (message: T & { error?: string }) => {
              worker.off('error', reject);
              if (message.error) reject(new StackError(`${url.pathname.split('/').pop()}: ${message.error}`));
              else resolve(message);
            });
            worker.postMessage(job);
          }),
      );
      jobsBefore = answer.catch(() => undefined);
      return answer;
    },
    close: () => worker.terminate().then(() => undefined),
  };
}

let loadWorker: ReturnType<typeof startJobWorker> | undefined;

/** Closed-model load: `connections` clients, each sending the next request when the last answered; autocannon in this process's one load thread (load-worker.mjs). */
export async function runLoad(options: {
  url: string;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  requests?: autocannon.Request[];
}): Promise<LoadResult> {
  loadWorker ??= startJobWorker(new URL('./load-worker.mjs', import.meta.url));
  const run = await loadWorker.run<{ latencies: number[]; statuses: Record<string, number>; durationSeconds: number; bytes: number; errors: number }>({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    headers: options.headers,
    requests: options.requests,
  });
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

/** Rounds that each measured a run and its baseline back to back, summed up: the round whose ratio is the median (all its figures are reported together), and the lowest and highest ratio. */
export interface MedianRound<Run, Baseline> {
  api: Run;
  baseline: Baseline;
  /** `api.rate / baseline.rate` of that round. */
  ratio: number;
  low: number;
  high: number;
}

/** The median round of `runs` against the `baselines` measured in the same rounds (the lower median for an even count). */
export function medianRound<Run extends { rate: number }, Baseline extends { rate: number }>(
  runs: readonly Run[],
  baselines: readonly Baseline[],
): MedianRound<Run, Baseline> {
  if (runs.length === 0 || runs.length !== baselines.length) throw new Error(`medianRound: ${runs.length} runs against ${baselines.length} baselines`);
  const ratios = runs.map((run, i) => run.rate / baselines[i]!.rate);
  const order = ratios.map((_, i) => i).sort((a, b) => ratios[a]! - ratios[b]!);
  const median = order[Math.floor((order.length - 1) / 2)]!;
  return { api: runs[median]!, baseline: baselines[median]!, ratio: ratios[median]!, low: ratios[order[0]!]!, high: ratios[order[order.length - 1]!]! };
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
  /** `--define` variables the script reads as `:name`. */
  defines?: Record<string, string>;
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
      ...Object.entries(options.defines ?? {}).map(([name, value]) => `--define=${name}=${value}`),
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

/** POSTs JSON with a bearer token; the status and the parsed answer. */
/** A buyer's write as the web UI sends it: JSON, bearer token and a fresh Idempotency-Key. */
export async function postJson(url: string, token: string, body: unknown): Promise<{ status: number; body: { id: string } }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { id: string } };
}

/** Formats a number for a Markdown table. */
export const n = (value: number, digits = 0): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');

/** CPU seconds (user + system) of each of `pids` that is still running, from /proc. */
function cpuSecondsOf(pids: Iterable<string>): Map<string, number> {
  const byPid = new Map<string, number>();
  for (const pid of pids) {
    const seconds = statCpuSeconds(`/proc/${pid}/stat`);
    if (seconds !== undefined) byPid.set(pid, seconds);
  }
  return byPid;
}

/** CPU seconds a process has used so far (0 once it is gone). */
export function processCpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/stat`) ?? 0;
}

/**
 * Seconds this process's main thread ran on a CPU and waited for one while
 * runnable, from /proc/self/task/<tid>/schedstat (the scheduler's own
 * accounting, in nanoseconds): a thread that is never idle is the limit.
 */
function mainThreadSchedule(): { running: number; waiting: number } {
  try {
    const [running, waiting] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return { running: (running ?? NaN) / 1e9, waiting: (waiting ?? NaN) / 1e9 };
  } catch {
    return { running: NaN, waiting: NaN };
  }
}

/**
 * Busy, stolen and total CPU seconds of the whole machine, from /proc/stat.
 * Stolen: time a virtual machine's cores waited for the host (counted busy,
 * but none of it ran here).
 */
function machineCpuSeconds(): { busy: number; steal: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const values = fields.map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  // Guest time (fields 9, 10) is already inside user and nice.
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / 100, steal: (values[7] ?? 0) / 100, total: total / 100 };
}

export interface WhereTimeGoes {
  /**
   * Share of the machine's CPU (all cores = 100 %) used by the services (this
   * process but its load-generator thread: the event loop and V8's garbage
   * collection threads working for it; plus service replicas in child
   * processes), by the load generator's thread, by PostgreSQL, by anything
   * else (pgbench, other work), and taken by a virtual machine's host (`steal`).
   */
  cpuPercent: { services: number; loadGenerator: number; postgres: number; other: number; steal: number; idle: number };
  /** CPU seconds the services used (what `cpuPercent.services` is a share of). */
  servicesCpuSeconds: number;
  /** What the database's active sessions were waiting for, as a share of samples (`CPU` = not waiting). */
  waits: Record<string, number>;
  /** This process's main thread (the services'), as a share of the run's wall time: running on a CPU, and runnable but waiting for one. */
  servicesThread: { running: number; waitingForCpu: number };
  /**
   * The statements of `database` that took most of its sessions' execution
   * time (pg_stat_statements: wall time, lock and CPU waits included), each
   * with its share of all of it; empty where the extension is not loaded.
   */
  statements: { what: string; share: number; meanMs: number }[];
}

/** A statement as a few words: what it writes (or reads) first, e.g. `INSERT booking.bookings`. */
export function statementLabel(sql: string): string {
  const text = sql.replace(/\s+/g, ' ').trim();
  // Not the lock clauses (FOR UPDATE, FOR NO KEY UPDATE) nor an upsert's DO UPDATE.
  const write = /(?<!(?:FOR|KEY|DO) )\b(INSERT INTO|UPDATE|DELETE FROM)\s+([\w."]+)/i.exec(text);
  if (write) return `${write[1]!.split(' ')[0]!.toUpperCase()} ${write[2]!.replaceAll('"', '')}`;
  const read = /\bFROM\s+([\w."]+)/i.exec(text);
  if (read) return `SELECT ${read[1]!.replaceAll('"', '')}`;
  return text.split(' ').slice(0, 2).join(' ').toUpperCase();
}

/** Starts counting statement statistics afresh (false when pg_stat_statements is not loaded). */
async function resetStatementStatistics(pool: pg.Pool): Promise<boolean> {
  try {
    await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await pool.query('SELECT pg_stat_statements_reset()');
    return true;
  } catch {
    return false;
  }
}

/** The `count` statements of `database` with the most execution time since the reset, grouped by label (the measurement's own left out). */
async function topStatements(pool: pg.Pool, database: string, count = 3): Promise<WhereTimeGoes['statements']> {
  const { rows } = await pool.query<{ query: string; calls: string; total: number }>(
    `SELECT query, calls::text, total_exec_time AS total FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1) AND toplevel
        -- Not the measurement's own statements (the reset, the pg_stat_activity samples).
        AND query !~ 'pg_stat_(statements|activity)'`,
    [database],
  );
  const all = rows.reduce((sum, r) => sum + r.total, 0);
  const byLabel = new Map<string, { total: number; calls: number }>();
  for (const r of rows) {
    const label = statementLabel(r.query);
    const entry = byLabel.get(label) ?? { total: 0, calls: 0 };
    entry.total += r.total;
    entry.calls += Number(r.calls);
    byLabel.set(label, entry);
  }
  return [...byLabel]
    .sort((a, b) => b[1].total - a[1].total)
    .slice(0, count)
    .map(([what, { total, calls }]) => ({ what, share: all > 0 ? (100 * total) / all : 0, meanMs: calls > 0 ? total / calls : 0 }));
}

/** The statements' shares, as `UPDATE booking.seat_inventory 41 % (2.2 ms), …`; `–` without statistics. */
export function topStatementsText(statements: WhereTimeGoes['statements']): string {
  return statements.length === 0 ? '–' : statements.map((s) => `${s.what} ${s.share.toFixed(0)} % (${s.meanMs.toFixed(1)} ms)`).join(', ');
}

/**
 * Measures what limits a run while it goes: CPU of this process, of
 * PostgreSQL and of the rest of the machine, and pg_stat_activity's wait
 * events of the sessions on `database` sampled every 100 ms. PostgreSQL's
 * processes are the ones pg_stat_activity lists (backends and background
 * workers); each sample reads only their /proc entries, so measuring costs
 * the services' thread little. A backend that exits (pgbench's, when it
 * finishes) still counts what it used until its last reading.
 */
export function measureWhereTimeGoes(
  pool: pg.Pool,
  database: string,
  options: { /** Service replicas in child processes: counted with this process's services. */ servicePids?: number[] } = {},
): {
  /** `loadGeneratorCpuSeconds`: what the load generator's thread in this process used meanwhile (it reads its own). */
  stop(run?: { loadGeneratorCpuSeconds: number }): Promise<WhereTimeGoes>;
} {
  const replicas = options.servicePids ?? [];
  const statistics = resetStatementStatistics(pool);
  const replicasCpu = () => replicas.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  const process0 = process.cpuUsage();
  const schedule0 = mainThreadSchedule();
  const started = performance.now();
  const replicas0 = replicasCpu();
  const machine0 = machineCpuSeconds();
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  const waits: Record<string, number> = {};
  let samples = 0;
  let samplesTaken = 0;
  let stopped = false;
  const sample = async (): Promise<void> => {
    const { rows } = await pool
      .query<{ pid: number; wait: string | null }>(
        `SELECT pid, CASE WHEN datname = $1 AND state = 'active' AND pid <> pg_backend_pid()
                          THEN coalesce(wait_event_type || ':' || wait_event, 'CPU') END AS wait
           FROM pg_stat_activity`,
        [database],
      )
      .catch((error: Error) => {
        log(`sampling pg_stat_activity failed: ${error.message}`);
        return { rows: [] };
      });
    for (const [pid, seconds] of cpuSecondsOf(rows.map((r) => String(r.pid)))) {
      // A process that was not there at the first sample started during the run: all its CPU counts.
      if (!first.has(pid)) first.set(pid, samplesTaken === 0 ? seconds : 0);
      last.set(pid, seconds);
    }
    samplesTaken++;
    for (const { wait } of rows) {
      if (wait === null) continue;
      waits[wait] = (waits[wait] ?? 0) + 1;
      samples++;
    }
  };
  const sampling = (async () => {
    while (!stopped) {
      await sample();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop(run) {
      stopped = true;
      await sampling;
      await sample();
      const statements = (await statistics) ? await topStatements(pool, database) : [];
      const processCpu = process.cpuUsage(process0);
      const machine = machineCpuSeconds();
      const total = machine.total - machine0.total;
      const busy = machine.busy - machine0.busy;
      const steal = machine.steal - machine0.steal;
      const processSeconds = (processCpu.user + processCpu.system) / 1e6;
      const schedule = mainThreadSchedule();
      const wallSeconds = (performance.now() - started) / 1000;
      const replicaSeconds = replicasCpu() - replicas0;
      const loadGeneratorSeconds = run?.loadGeneratorCpuSeconds ?? 0;
      const servicesSeconds = Math.max(0, processSeconds - loadGeneratorSeconds) + replicaSeconds;
      let postgresSeconds = 0;
      for (const [pid, seconds] of last) postgresSeconds += seconds - first.get(pid)!;
      const pct = (seconds: number) => (total > 0 ? (100 * seconds) / total : NaN);
      const shares = Object.fromEntries(Object.entries(waits).map(([wait, count]) => [wait, samples ? (100 * count) / samples : 0]));
      return {
        cpuPercent: {
          services: pct(servicesSeconds),
          loadGenerator: pct(loadGeneratorSeconds),
          postgres: pct(postgresSeconds),
          other: pct(Math.max(0, busy - steal - processSeconds - replicaSeconds - postgresSeconds)),
          steal: pct(steal),
          idle: pct(total - busy),
        },
        servicesCpuSeconds: servicesSeconds,
        waits: shares,
        servicesThread: {
          running: (100 * (schedule.running - schedule0.running)) / wallSeconds,
          waitingForCpu: (100 * (schedule.waiting - schedule0.waiting)) / wallSeconds,
        },
        statements,
      };
    },
  };
}

/** The largest wait shares, as `CPU 71 %, Lock:transactionid 12 %`. */
export function topWaits(waits: Record<string, number>, count = 3): string {
  return Object.entries(waits)
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([wait, share]) => `${wait} ${share.toFixed(0)} %`)
    .join(', ');
}
