import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { findFreePort } from '@ticketing/testing';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

export interface ReplicaProcess {
  url: string;
  child: ChildProcess;
  /** What the process wrote to stderr so far (its JSON logs at LOG_LEVEL). */
  stderr(): string;
  /** Graceful stop (SIGTERM); resolves when the process has exited. */
  stop(): Promise<void>;
  /** A crash: SIGKILL, no shutdown hooks. */
  kill(): Promise<void>;
}

/** Starts the real booking entry point as its own OS process and waits until /readyz answers 200. */
export async function spawnBookingReplica(env: Record<string, string>): Promise<ReplicaProcess> {
  const port = await findFreePort();
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', 'services/booking/src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`replica exited: ${stderr}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`replica did not become ready: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const exited = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  return { url, child, stderr: () => stderr, stop: () => exited('SIGTERM'), kill: () => exited('SIGKILL') };
}
