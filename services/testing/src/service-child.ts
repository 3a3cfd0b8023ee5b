import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ServiceDeclaration } from '@ticketing/platform';
import { repoRoot } from '../../../scripts/local-stack/paths.js';
import { findFreePort } from '../../../scripts/local-stack/ports.js';

/** A service running as its own process, as in production: for tests that kill it, and for measuring its memory alone. */
export interface ServiceChild {
  url: string;
  pid: number;
  /** Resolves with how it ended ("signal SIGKILL", "exit code 0"). */
  exited: Promise<string>;
  /** Resident memory of the process now, in MiB (VmRSS). */
  rssMiB(): number;
  /** Peak resident memory of the process so far, in MiB (VmHWM). */
  peakRssMiB(): number;
  /** The last lines it printed. */
  output(): string;
  kill(signal: NodeJS.Signals): Promise<string>;
}

/** A memory field of /proc/<pid>/status (VmRSS: resident now, VmHWM: peak), in MiB. */
export function procStatusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

/** Starts `declaration`'s entry as a child process on a free port with `env`; resolves once /readyz answers 200. */
export async function spawnServiceChild(declaration: ServiceDeclaration, env: Record<string, string>, timeoutMs = 60_000): Promise<ServiceChild> {
  const port = await findFreePort();
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', declaration.entry], {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'] ?? '', ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 50));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let ended: string | undefined;
  void exited.then((how) => (ended = how));
  for (;;) {
    if (ended) throw new Error(`${declaration.name} ended (${ended}) before it was ready:\n${lines.join('\n')}`);
    const ready = await fetch(`${url}${declaration.health.readiness}`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${declaration.name} was not ready within ${timeoutMs} ms:\n${lines.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid!,
    exited,
    rssMiB: () => procStatusMiB(child.pid!, 'VmRSS'),
    peakRssMiB: () => procStatusMiB(child.pid!, 'VmHWM'),
    output: () => lines.join('\n'),
    async kill(signal) {
      child.kill(signal);
      return exited;
    },
  };
}
