/**
 * A Redis server for `npm start` and `npm test` (the gateway's shared
 * rate-limit counters), from Debian's `redis-server` package, on its own port
 * and directory, bound to 127.0.0.1, without persistence: counters are
 * throwaway by nature.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { aptGetInstall } from './apt.js';
import { StackError } from './errors.js';
import { commandExists, runCommand, tailFile } from './commands.js';
import { type Logger } from './logging.js';
import { readLivePid, stopProcess } from './pids.js';
import { assertPortsFree } from './ports.js';
import { waitFor } from './waiting.js';

const serverCommand = '/usr/bin/redis-server';

function findRedis(): string | undefined {
  if (existsSync(serverCommand)) return serverCommand;
  return commandExists('redis-server') ? 'redis-server' : undefined;
}

/** The redis-server binary, installing Debian's package first when it is missing. */
export async function ensureRedisInstalled(options: { log?: Logger } = {}): Promise<string> {
  const found = findRedis();
  if (found) return found;
  await aptGetInstall(['redis-server'], 'Redis', options);
  const installed = findRedis();
  if (!installed) throw new StackError('apt-get installed redis-server but no redis-server binary appeared.');
  return installed;
}

export interface RunningRedis {
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** Stops the server and waits until it is gone. Idempotent. */
  stop(): Promise<void>;
}

const pidFileOf = (dir: string) => join(dir, 'redis.pid');

/** Starts redis-server on 127.0.0.1:`port` with its files in `dataDir`; resolves once it answers PING. */
export async function startRedis(options: { dataDir: string; port: number; log?: Logger }): Promise<RunningRedis> {
  const dataDir = resolve(options.dataDir);
  const binary = await ensureRedisInstalled(options);
  const running = readLivePid(pidFileOf(dataDir));
  if (running !== undefined) throw new StackError(`Redis is already running on ${dataDir} (pid ${running}). Stop it first: kill ${running}`);
  await assertPortsFree([{ port: options.port, what: 'Redis' }]);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logFile = join(dataDir, 'redis.log');
  const config = join(dataDir, 'redis.conf');
  writeFileSync(
    config,
    [
      '# Written by scripts/local-stack/redis.ts at every start; edits are overwritten.',
      'bind 127.0.0.1',
      `port ${options.port}`,
      'protected-mode yes',
      'daemonize yes',
      `pidfile ${pidFileOf(dataDir)}`,
      `dir ${dataDir}`,
      `logfile ${logFile}`,
      'save ""',
      'appendonly no',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  options.log?.(`Starting Redis on 127.0.0.1:${options.port}…`);
  // daemonize: the server leaves our process group, so Ctrl-C reaches only us and we stop it in order.
  const started = await runCommand(binary, [config], { cwd: dataDir });
  if (started.code !== 0) throw new StackError(`Redis failed to start on port ${options.port}.`, tailFile(logFile, 20) || started.output);
  await waitFor(() => answersPing(options.port), { what: `Redis on port ${options.port} to answer PING`, timeoutMs: 15_000, intervalMs: 100 });
  let stopped = false;
  return {
    url: `redis://127.0.0.1:${options.port}`,
    port: options.port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopRedisIfRunning(dataDir);
    },
  };
}

/** Stops the server a previous run left on `dataDir`, if any. */
export async function stopRedisIfRunning(dataDir: string): Promise<void> {
  const pid = readLivePid(pidFileOf(resolve(dataDir)));
  if (pid !== undefined) await stopProcess(pid, { timeoutMs: 10_000 });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.setTimeout(1_000, () => socket.destroy());
    socket.once('data', (data) => {
      socket.destroy();
      resolvePromise(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolvePromise(false));
    socket.once('close', () => resolvePromise(false));
  });
}
