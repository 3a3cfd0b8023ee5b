/**
 * A private Prometheus for the local stack and the tests: Debian's
 * `prometheus` package (it ships promtool too), run as our own process on
 * 127.0.0.1 with our config and data directory, never the system service the
 * package may install.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { StackError } from './errors.js';
import { commandExists, lastLines, runCommand, tailFile } from './commands.js';
import { type Logger } from './logging.js';
import { readLivePid, stopProcess } from './pids.js';
import { waitFor } from './waiting.js';

export interface PrometheusInstallation {
  readonly prometheus: string;
  readonly promtool: string;
}

const installCommand = 'apt-get update && apt-get install -y --no-install-recommends prometheus';
/** Debian's convention to keep a package's postinst from starting its service (exit 101: "action forbidden"). */
const policyRcD = '/usr/sbin/policy-rc.d';

function findPrometheus(): PrometheusInstallation | undefined {
  const dirs = ['/usr/bin', ...(process.env['PATH'] ?? '').split(':').filter(Boolean)];
  const find = (name: string) => dirs.map((dir) => join(dir, name)).find((file) => existsSync(file));
  const prometheus = find('prometheus');
  const promtool = find('promtool');
  return prometheus && promtool ? { prometheus, promtool } : undefined;
}

/**
 * Finds prometheus and promtool, installing Debian's package first when they
 * are missing and we are root (a fresh machine). The package's own service is
 * kept from starting (and disabled where systemd runs): we only run our own.
 */
export async function ensurePrometheusInstalled(options: { log?: Logger } = {}): Promise<PrometheusInstallation> {
  const found = findPrometheus();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new StackError(`Prometheus is not installed. Install it with: sudo sh -c '${installCommand}'`);
  if (!commandExists('apt-get')) {
    throw new StackError(
      'Prometheus is not installed and this is not a Debian-like system (no apt-get). Install prometheus and promtool and put them on PATH.',
    );
  }
  options.log?.('Prometheus is not installed; installing it with apt-get (one time)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const guard = !existsSync(policyRcD);
  if (guard) writeFileSync(policyRcD, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'prometheus']]) {
      const result = await runCommand('apt-get', args, { env, showOutput: true });
      if (result.code !== 0)
        throw new StackError(`Installing Prometheus failed (apt-get ${args.join(' ')} exited ${result.code}).`, lastLines(result.output, 15));
    }
  } finally {
    if (guard) unlinkSync(policyRcD);
  }
  if (commandExists('systemctl') && existsSync('/run/systemd/system')) {
    await runCommand('systemctl', ['disable', '--now', 'prometheus'], { env });
  }
  const installed = findPrometheus();
  if (!installed) throw new StackError('apt-get installed prometheus but prometheus or promtool is not on PATH.');
  return installed;
}

/** One scrape target: a service's `host:port` and metrics path. */
export interface ScrapeTarget {
  /** Becomes the `job` label (the service name). */
  job: string;
  /** host:port */
  address: string;
  metricsPath?: string;
}

export interface StartPrometheusOptions {
  targets: readonly ScrapeTarget[];
  port: number;
  /** Holds prometheus.yml, the TSDB and the server log; created when missing. */
  dataDir: string;
  /** @default 1 */
  scrapeIntervalSeconds?: number;
  /** Rule files (recording and alerting) to load. */
  ruleFiles?: readonly string[];
  log?: Logger;
}

export interface RunningPrometheus {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly configFile: string;
  readonly logFile: string;
  readonly installation: PrometheusInstallation;
  stop(): Promise<void>;
}

const pidFile = 'prometheus.pid';

/** The scrape configuration for `targets`: one job per service. */
export function prometheusConfig(targets: readonly ScrapeTarget[], scrapeIntervalSeconds = 1, ruleFiles: readonly string[] = []): string {
  const interval = `${scrapeIntervalSeconds}s`;
  return stringify({
    global: { scrape_interval: interval, evaluation_interval: interval },
    ...(ruleFiles.length > 0 ? { rule_files: [...ruleFiles] } : {}),
    scrape_configs: targets.map((t) => ({
      job_name: t.job,
      metrics_path: t.metricsPath ?? '/metrics',
      scrape_timeout: interval,
      static_configs: [{ targets: [t.address] }],
    })),
  });
}

/** Starts Prometheus on 127.0.0.1:`port` scraping `targets`; resolves once it is ready. */
export async function startPrometheus(options: StartPrometheusOptions): Promise<RunningPrometheus> {
  const installation = await ensurePrometheusInstalled({ log: options.log });
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  await stopPrometheusIfRunning(dataDir);
  const configFile = join(dataDir, 'prometheus.yml');
  writeFileSync(configFile, prometheusConfig(options.targets, options.scrapeIntervalSeconds, options.ruleFiles));
  const logFile = join(dataDir, 'prometheus.log');
  const out = openSync(logFile, 'w');
  const url = `http://127.0.0.1:${options.port}`;
  options.log?.(`Starting Prometheus on ${url}…`);
  const child = spawn(
    installation.prometheus,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dataDir, 'data')}`,
      '--storage.tsdb.retention.time=2d',
      `--web.listen-address=127.0.0.1:${options.port}`,
      '--log.level=warn',
    ],
    // Its own process group: Ctrl-C reaches the parent, which stops it in order.
    { cwd: dataDir, stdio: ['ignore', out, out], detached: true },
  );
  closeSync(out);
  child.unref();
  writeFileSync(join(dataDir, pidFile), `${child.pid}\n`);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = signal ? `signal ${signal}` : `exit code ${code}`));
  const stop = async () => {
    if (exited === undefined && child.pid) await stopProcess(child.pid, { timeoutMs: 10_000 });
    rmSync(join(dataDir, pidFile), { force: true });
  };
  try {
    await waitFor(`${url}/-/ready`, {
      what: `Prometheus to become ready on ${url}`,
      timeoutMs: 30_000,
      failIf: () => (exited ? new StackError(`Prometheus exited during start (${exited}). Last lines of ${logFile}:`, tailFile(logFile)) : undefined),
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, configFile, logFile, installation, stop };
}

/** Stops a Prometheus an interrupted run left on `dataDir`. */
export async function stopPrometheusIfRunning(dataDir: string): Promise<void> {
  const pid = readLivePid(join(dataDir, pidFile));
  if (pid !== undefined) await stopProcess(pid, { timeoutMs: 10_000 });
  rmSync(join(dataDir, pidFile), { force: true });
}

/** One series of an instant query's answer. */
export interface PrometheusSample {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * Runs an instant query; rejects with Prometheus's own error (e.g. a parse
 * error) when it refuses the expression. Vector results come back as series;
 * a scalar as one series without labels.
 */
export async function queryPrometheus(url: string, promql: string): Promise<PrometheusSample[]> {
  const response = await fetch(`${url}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: promql }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as {
    status: string;
    error?: string;
    errorType?: string;
    data?: { resultType: string; result: PrometheusSample[] | [number, string] };
  };
  if (body.status !== 'success' || !body.data) throw new Error(`Prometheus refused ${promql}: ${body.errorType ?? response.status}: ${body.error ?? ''}`);
  const { resultType, result } = body.data;
  if (resultType === 'scalar' || resultType === 'string') return [{ metric: {}, value: result as [number, string] }];
  return result as PrometheusSample[];
}
