/** Processes by pid: alive or not, stopping one, the pid a pid file names. */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

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
