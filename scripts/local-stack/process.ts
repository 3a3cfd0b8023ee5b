/**
 * Small process helpers shared by the local-stack scripts: ports, waiting,
 * running commands, pid/lock files and service children with prefixed logs.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StackError } from './errors.js';

// ---------------------------------------------------------------- ports

/** True when nothing listens on host:port (we can bind it ourselves). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolvePromise(false);
      else reject(error);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolvePromise(true)));
  });
}

/** Fails with one clear message naming every taken port and what needed it. */
export async function assertPortsFree(ports: readonly { port: number; what: string }[]): Promise<void> {
  const taken: { port: number; what: string }[] = [];
  for (const entry of ports) {
    if (!(await isPortFree(entry.port))) taken.push(entry);
  }
  const first = taken[0];
  if (!first) return;
  const list = taken.map(({ port, what }) => `${port} (${what})`).join(', ');
  throw new StackError(
    `Port ${list} ${taken.length > 1 ? 'are' : 'is'} already in use by another process. ` +
      `Stop that process (see: ss -ltnp 'sport = :${first.port}') and try again.`,
  );
}

/** A port the OS considers free right now (for tests that need throwaway servers). */
export function findFreePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}

// ---------------------------------------------------------------- waiting

export interface WaitOptions {
  /** Human name of what we wait for, used in the timeout message. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /**
   * Checked before every attempt: return an error to give up at once (e.g. the
   * process we wait for has exited, so waiting longer cannot help).
   */
  failIf?: () => Error | undefined;
}

/**
 * Waits until `target` is ready: a URL answering 200, or a function resolving
 * true. Errors thrown by the function count as "not yet", except StackErrors.
 */
export async function waitFor(target: string | (() => Promise<boolean>), options: WaitOptions): Promise<void> {
  const check = typeof target === 'string' ? () => urlAnswers200(target) : target;
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 250;
  for (;;) {
    const failure = options.failIf?.();
    if (failure) throw failure;
    // A StackError from the check is a definitive answer; anything else means "not yet".
    const ready = await check().catch((error: unknown) => {
      if (error instanceof StackError) throw error;
      return false;
    });
    if (ready) return;
    if (Date.now() >= deadline) {
      throw new StackError(`Timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for ${options.what}.`);
    }
    await sleep(interval);
  }
}

async function urlAnswers200(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await response.body?.cancel();
  return response.status === 200;
}

// ---------------------------------------------------------------- commands

/** True when `command` is an executable on PATH (or an existing path). */
export function commandExists(command: string, pathVariable = process.env['PATH']): boolean {
  if (command.includes('/')) return existsSync(command);
  return (pathVariable ?? '')
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        return statSync(join(dir, command)).isFile();
      } catch {
        return false;
      }
    });
}

export interface CommandResult {
  code: number;
  /** stdout and stderr interleaved, as a person would have seen them. */
  output: string;
}

/**
 * Runs a command to completion and captures its output. A missing executable
 * is a StackError naming it; a non-zero exit is returned, not thrown, so the
 * caller can explain what the failure means.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    showOutput?: boolean;
    /** Interrupts the command (SIGINT, then SIGKILL 10 s later) when it runs longer. */
    timeoutMs?: number;
    /** Run in its own process group, out of reach of the terminal's Ctrl-C. @default true */
    detached?: boolean;
  } = {},
): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: Ctrl-C reaches only our script, which then decides
      // what to undo, instead of killing e.g. pg_ctl half-way through a start.
      detached: options.detached ?? true,
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      // Progress of long installs goes to stderr so stdout stays clean.
      if (options.showOutput) process.stderr.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new StackError(`Could not run \`${command}\`: it is not installed or not on PATH.`) : error);
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            child.kill('SIGINT');
            setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
          }, options.timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

/** Last `count` lines of a text (for showing the end of a log). */
export function lastLines(text: string, count: number): string {
  return text.replace(/\s+$/, '').split('\n').slice(-count).join('\n');
}

/** Last `count` lines of a file, or '' when it does not exist. */
export function tailFile(path: string, count = 30): string {
  try {
    return lastLines(readFileSync(path, 'utf8'), count);
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------- pids

/**
 * True while `pid` runs. A zombie (exited, not yet reaped by its parent) counts
 * as gone: it holds no ports or files any more.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): kill(0) is all we know.
  }
}

/** Waits until `pid` has exited; false if it still runs after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

/**
 * Asks `pid` to stop with `signal`, waits up to `timeoutMs`, then kills it.
 * Resolves once it is gone.
 */
export async function stopProcess(pid: number, options: { signal?: NodeJS.Signals; timeoutMs: number }): Promise<void> {
  if (!signalProcess(pid, options.signal ?? 'SIGTERM')) return;
  if (await waitForExit(pid, options.timeoutMs)) return;
  signalProcess(pid, 'SIGKILL');
  await waitForExit(pid, 5000);
}

function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The pid stored in a pid file, if the file exists and that process still runs. */
export function readLivePid(path: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(path, 'utf8').trim().split('\n')[0] ?? '', 10);
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && isProcessAlive(pid) ? pid : undefined;
}

export interface Lock {
  /** Pid of an earlier holder that died without releasing the lock, if any. */
  readonly stalePid: number | undefined;
  release(): void;
}

/**
 * Takes a pid lock file so a second copy of a script can say who is already
 * running instead of fighting over ports and data. A lock left behind by a
 * process that died is taken over (and reported through `stalePid`).
 */
export function acquireLock(path: string, what: string): Lock {
  let stalePid: number | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        stalePid,
        release: () => {
          if (readLivePid(path) === process.pid) unlinkSync(path);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readLivePid(path);
    if (holder !== undefined && holder !== process.pid) {
      throw new StackError(`${what} is already running (pid ${holder}). Stop it first (Ctrl-C in its terminal, or kill ${holder}).`);
    }
    stalePid = Number.parseInt(readFileSync(path, 'utf8'), 10) || undefined;
    unlinkSync(path);
  }
  throw new StackError(`Could not take the lock file ${path}; remove it if no ${what} is running.`);
}

// ---------------------------------------------------------------- service children

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves when the process has exited, with a description like "exit code 1". */
  readonly exited: Promise<string>;
  /** How it exited ("exit code 1", "signal SIGKILL"), or undefined while it runs. */
  exitStatus(): string | undefined;
  /** The last lines it printed (stdout and stderr), for error reports. */
  recentOutput(): string;
  /** SIGTERM, wait up to `graceMs`, then SIGKILL. */
  stop(graceMs: number): Promise<void>;
}

const colours = [36, 35, 33, 32, 34, 31];

/**
 * Starts a long-running child whose output lines are printed with a
 * `[name]` prefix. It runs in its own process group so Ctrl-C in the
 * terminal reaches only the parent, which then stops children in order.
 */
export function spawnService(options: {
  name: string;
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Width the name is padded to so the log columns line up. */
  labelWidth?: number;
  /** Where prefixed lines go; default process.stdout. */
  output?: NodeJS.WritableStream;
  colourIndex?: number;
}): ServiceProcess {
  const spawnOptions: SpawnOptions = { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true };
  const child: ChildProcess = spawn(options.command, options.args, spawnOptions);
  const out = options.output ?? process.stdout;
  const useColour = out === process.stdout && process.stdout.isTTY && !process.env['NO_COLOR'];
  const label = `[${options.name}]`.padEnd((options.labelWidth ?? 0) + 2);
  const colour = colours[(options.colourIndex ?? 0) % colours.length] ?? 36;
  const prefix = useColour ? `\x1b[${colour}m${label}\x1b[0m ` : `${label} `;
  const recent: string[] = [];

  const pipeLines = (stream: NodeJS.ReadableStream | null): void => {
    if (!stream) return;
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) emit(line);
    });
    stream.on('end', () => {
      if (pending) emit(pending);
    });
  };
  const emit = (line: string): void => {
    recent.push(line);
    if (recent.length > 40) recent.shift();
    out.write(prefix + line + '\n');
  };
  pipeLines(child.stdout);
  pipeLines(child.stderr);

  let status: string | undefined;
  const exited = new Promise<string>((resolvePromise) => {
    child.once('error', (error) => {
      status = `failed to start: ${error.message}`;
      resolvePromise(status);
    });
    child.once('exit', (code, signal) => {
      status = signal ? `signal ${signal}` : `exit code ${code}`;
      resolvePromise(status);
    });
  });

  return {
    name: options.name,
    pid: child.pid ?? -1,
    exited,
    exitStatus: () => status,
    recentOutput: () => recent.join('\n'),
    async stop(graceMs) {
      if (status !== undefined || child.pid === undefined) return;
      child.kill('SIGTERM');
      const cancelTimer = new AbortController();
      const timer = sleep(graceMs, 'timeout', { signal: cancelTimer.signal }).catch(() => 'cancelled');
      const outcome = await Promise.race([exited, timer]);
      cancelTimer.abort(); // a pending timer would keep this process alive
      if (outcome === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Receives one-line progress messages ("Starting Kafka on 127.0.0.1:9092…"). */
export type Logger = (message: string) => void;

/** The default logger: progress to stderr, so stdout stays for real output. */
export const logToStderr: Logger = (message) => {
  process.stderr.write(`${message}\n`);
};
