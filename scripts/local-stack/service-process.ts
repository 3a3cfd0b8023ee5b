/** Long-running service children with `[name]`-prefixed output lines. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

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
