/**
 * A private PostgreSQL server for the local stack and the tests: its own data
 * directory, its own port, listening on 127.0.0.1 only, so it never touches a
 * system cluster the machine may already run.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { aptGetInstall } from './apt.js';
import { StackError } from './errors.js';
import { lastLines, runCommand, tailFile } from './commands.js';
import { type Logger } from './logging.js';
import { readLivePid } from './pids.js';
import { assertPortsFree } from './ports.js';
import { waitFor } from './waiting.js';

const debianRoot = '/usr/lib/postgresql';
const installCommand = 'apt-get update && apt-get install -y postgresql';

export interface PostgresInstallation {
  /** Directory holding initdb, pg_ctl and postgres. */
  readonly binDir: string;
}

/** Where the server binaries are, or undefined. Debian's versioned dirs first, newest wins. */
function findPostgres(): PostgresInstallation | undefined {
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((name) => /^\d+$/.test(name) && existsSync(join(debianRoot, name, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return { binDir: join(debianRoot, versions[0], 'bin') };
  }
  // Other systems (e.g. Homebrew) put pg_ctl and friends on PATH.
  const onPath = (process.env['PATH'] ?? '').split(':').find((dir) => dir && existsSync(join(dir, 'pg_ctl')) && existsSync(join(dir, 'initdb')));
  return onPath ? { binDir: onPath } : undefined;
}

const isRoot = (): boolean => process.getuid?.() === 0;

/**
 * Finds the PostgreSQL server binaries, installing Debian's `postgresql`
 * package first when they are missing and we are root (a fresh machine).
 */
export async function ensurePostgresInstalled(options: { log?: Logger } = {}): Promise<PostgresInstallation> {
  const found = findPostgres();
  if (found) return found;
  await aptGetInstall(['postgresql'], 'PostgreSQL', options);
  const installed = findPostgres();
  if (!installed) throw new StackError(`apt-get installed postgresql but no server binaries appeared under ${debianRoot}.`);
  return installed;
}

export interface StartPostgresOptions {
  /** Cluster directory; created and initialised (initdb) when missing or empty. */
  dataDir: string;
  port: number;
  /** Progress messages; silent when omitted. */
  log?: Logger;
  /**
   * false trades crash safety for speed (fsync, synchronous_commit and
   * full_page_writes off). Only for throwaway test clusters. @default true
   */
  fsync?: boolean;
}

export interface RunningPostgres {
  /** Superuser URL: postgres://postgres:<password>@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** The server's own log. */
  readonly logFile: string;
  /** Fast shutdown (rolls back open transactions) and waits until it is down. Idempotent. */
  stop(): Promise<void>;
  /**
   * Restarts the server in place. 'immediate' is a crash as far as clients
   * can tell (connections cut, crash recovery on start): for fault drills.
   */
  restart(mode: 'fast' | 'immediate'): Promise<void>;
}

/** Saved beside the cluster so later starts can build the superuser URL. */
interface Credentials {
  user: string;
  password: string;
}
const credentialsFile = 'local-stack.json';
const settingsFile = 'local-stack.conf';
const serverLog = 'server.log';

/**
 * Starts a PostgreSQL server on 127.0.0.1:`port` with its data in `dataDir`
 * and resolves once it accepts password-authenticated connections.
 */
export async function startPostgres(options: StartPostgresOptions): Promise<RunningPostgres> {
  const dataDir = resolve(options.dataDir);
  const log = options.log ?? (() => {});
  const { binDir } = await ensurePostgresInstalled({ log });
  const osUser = serverUser();

  const runningPid = readLivePid(join(dataDir, 'postmaster.pid'));
  if (runningPid !== undefined) {
    throw new StackError(
      `PostgreSQL is already running on ${dataDir} (pid ${runningPid}). ` +
        `Stop it first: ${runAs(osUser, [join(binDir, 'pg_ctl'), 'stop', '-m', 'fast', '-D', dataDir]).join(' ')}`,
    );
  }
  await assertPortsFree([{ port: options.port, what: 'PostgreSQL' }]);

  prepareDataDir(dataDir, osUser);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`Creating a PostgreSQL cluster in ${dataDir}…`);
    await initdb(binDir, dataDir, osUser, options.fsync ?? true);
  }
  const credentials = readCredentials(dataDir);
  writeSettings(dataDir, options.port, options.fsync ?? true, osUser);

  log(`Starting PostgreSQL on 127.0.0.1:${options.port}…`);
  const logFile = join(dataDir, serverLog);
  // One run per log file, so a failure shows only this attempt's lines.
  if (existsSync(logFile)) renameSync(logFile, `${logFile}.1`);
  const pgCtl = join(binDir, 'pg_ctl');
  // pg_ctl daemonises the server in its own session (so Ctrl-C in our
  // terminal does not reach it) and -w waits until it accepts connections.
  const started = await runCommand(...splitCommand(runAs(osUser, [pgCtl, 'start', '-w', '-t', '60', '-s', '-D', dataDir, '-l', logFile])), { cwd: '/' });
  if (started.code !== 0) {
    throw new StackError(
      `PostgreSQL failed to start on port ${options.port} (data directory ${dataDir}). Last lines of ${logFile}:`,
      tailFile(logFile, 20) || started.output,
    );
  }

  const url = `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${options.port}/postgres`;
  await waitFor(() => canConnect(url), { what: `PostgreSQL on port ${options.port} to accept connections`, timeoutMs: 15_000 });

  let stopped = false;
  return {
    url,
    port: options.port,
    dataDir,
    logFile,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopPostgresIfRunning(dataDir);
    },
    async restart(mode) {
      // stop + start rather than `pg_ctl restart`, which takes no -l and would
      // tie the server's output to our pipes.
      for (const args of [
        ['stop', '-m', mode],
        ['start', '-l', logFile],
      ]) {
        const result = await runCommand(...splitCommand(runAs(osUser, [pgCtl, ...args, '-w', '-t', '60', '-s', '-D', dataDir])), { cwd: '/' });
        if (result.code !== 0) throw new StackError(`PostgreSQL did not restart on ${dataDir}.`, tailFile(logFile, 20) || result.output);
      }
      await waitFor(() => canConnect(url), { what: `PostgreSQL on port ${options.port} to accept connections again`, timeoutMs: 15_000 });
    },
  };
}

/**
 * Fast-stops whatever server runs on `dataDir` (e.g. one left behind by a run
 * that was killed). Does nothing when none runs.
 */
export async function stopPostgresIfRunning(dataDir: string): Promise<void> {
  const dir = resolve(dataDir);
  if (readLivePid(join(dir, 'postmaster.pid')) === undefined) return;
  const installation = findPostgres();
  if (!installation) return;
  const result = await runCommand(
    ...splitCommand(runAs(serverUser(), [join(installation.binDir, 'pg_ctl'), 'stop', '-m', 'fast', '-w', '-t', '60', '-s', '-D', dir])),
    { cwd: '/' },
  );
  if (result.code !== 0 && readLivePid(join(dir, 'postmaster.pid')) !== undefined) {
    throw new StackError(`Could not stop PostgreSQL on ${dir}.`, result.output);
  }
}

/**
 * Creates database `name` if it does not exist and returns its URL (the
 * superuser URL with the database swapped).
 */
export async function ensureDatabase(superuserUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: superuserUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created concurrently: fine
      });
    }
  } finally {
    await client.end();
  }
  const url = new URL(superuserUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

// ---------------------------------------------------------------- internals

/** The OS account the server runs as: PostgreSQL refuses to run as root. */
interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

function serverUser(): OsUser | undefined {
  if (!isRoot()) return undefined;
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === 'postgres');
  if (!entry) {
    throw new StackError(
      'Running as root, so PostgreSQL must run as the `postgres` OS user, which does not exist. ' +
        `Install the postgresql package (${installCommand}) or run as a normal user.`,
    );
  }
  return { name: 'postgres', uid: Number(entry[2]), gid: Number(entry[3]) };
}

/** Prefixes a command with `runuser -u postgres --` when we are root. */
function runAs(user: OsUser | undefined, command: string[]): string[] {
  return user ? ['runuser', '-u', user.name, '--', ...command] : command;
}

function splitCommand(command: string[]): [string, string[]] {
  const [head, ...rest] = command;
  return [head ?? '', rest];
}

function prepareDataDir(dataDir: string, user: OsUser | undefined): void {
  mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 });
  if (!existsSync(dataDir)) mkdirSync(dataDir, { mode: 0o700 });
  if (!statSync(dataDir).isDirectory()) throw new StackError(`${dataDir} is not a directory.`);
  const entries = readdirSync(dataDir);
  if (entries.length > 0 && !entries.includes('PG_VERSION')) {
    throw new StackError(`${dataDir} is not empty and is not a PostgreSQL data directory (no PG_VERSION). Remove it or choose another directory.`);
  }
  if (!user) return;
  if (entries.length === 0) chownSync(dataDir, user.uid, user.gid);
  // The server process must be able to walk down to its data directory.
  for (let dir = dirname(dataDir); ; dir = dirname(dir)) {
    const stat = statSync(dir);
    const traversable = stat.uid === user.uid ? stat.mode & 0o100 : stat.gid === user.gid ? stat.mode & 0o010 : stat.mode & 0o001;
    if (!traversable) {
      throw new StackError(
        `The postgres OS user cannot reach ${dataDir}: ${dir} is not traversable by it. ` +
          `Allow it with \`chmod o+x ${dir}\` or use a data directory elsewhere.`,
      );
    }
    if (dir === dirname(dir)) break;
  }
}

async function initdb(binDir: string, dataDir: string, user: OsUser | undefined, fsync: boolean): Promise<void> {
  const credentials: Credentials = { user: 'postgres', password: randomBytes(18).toString('base64url') };
  // initdb reads the password from a file; it must be readable by the server user.
  const passwordFile = join(tmpdir(), `local-stack-pw-${randomBytes(6).toString('hex')}`);
  writeFileSync(passwordFile, `${credentials.password}\n`, { mode: 0o600 });
  if (user) chownSync(passwordFile, user.uid, user.gid);
  try {
    const args = [
      join(binDir, 'initdb'),
      '-D',
      dataDir,
      '-U',
      credentials.user,
      `--pwfile=${passwordFile}`,
      // TCP needs the password; the unix socket lives inside the 0700 data
      // directory, so only the server's own OS user can reach it anyway.
      '--auth-host=scram-sha-256',
      '--auth-local=trust',
      '--encoding=UTF8',
      '--locale=C',
      ...(fsync ? [] : ['--no-sync']),
    ];
    const result = await runCommand(...splitCommand(runAs(user, args)), { cwd: '/' });
    if (result.code !== 0) {
      throw new StackError(`initdb failed for ${dataDir} (exit code ${result.code}). Last lines of its output:`, lastLines(result.output, 20));
    }
  } finally {
    rmSync(passwordFile, { force: true });
  }
  const file = join(dataDir, credentialsFile);
  writeFileSync(file, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
  if (user) chownSync(file, user.uid, user.gid);
}

function readCredentials(dataDir: string): Credentials {
  const file = join(dataDir, credentialsFile);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Credentials;
  } catch {
    throw new StackError(
      `${dataDir} holds a PostgreSQL cluster that these scripts did not create (no ${credentialsFile}). Remove the directory to start afresh.`,
    );
  }
}

/**
 * Our settings live in their own file, rewritten at every start (the port may
 * change), and included from postgresql.conf once.
 */
function writeSettings(dataDir: string, port: number, fsync: boolean, user: OsUser | undefined): void {
  const socketDir = dataDir;
  // Unix socket paths are limited to 107 bytes; past that, TCP only.
  const socketFits = join(socketDir, `.s.PGSQL.${port}.lock`).length < 100;
  const lines = [
    '# Written by scripts/local-stack/postgres.ts at every start; edits are overwritten.',
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${socketFits ? socketDir.replaceAll("'", "''") : ''}'`,
    // Tests push 500 concurrent requests through several services' pools.
    'max_connections = 300',
    ...(fsync ? [] : ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']),
    "log_line_prefix = '%m [%p] %q%u@%d '",
    // Which statements take the database's time (the benchmarks read it; so may a developer).
    "shared_preload_libraries = 'pg_stat_statements'",
  ];
  const settings = join(dataDir, settingsFile);
  writeFileSync(settings, lines.join('\n') + '\n', { mode: 0o600 });
  if (user) chownSync(settings, user.uid, user.gid);
  const mainConf = join(dataDir, 'postgresql.conf');
  const include = `include_if_exists = '${settingsFile}'`;
  if (!readFileSync(mainConf, 'utf8').includes(include)) appendFileSync(mainConf, `\n${include}\n`);
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '28P01') {
      throw new StackError(`PostgreSQL rejected the saved superuser password (${credentialsFile} does not match the cluster).`);
    }
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * pgbench, the baseline of `npm run bench`: next to the server binaries
 * (Debian's postgresql-client ships it there), else on PATH; installs Debian's
 * postgresql-client when missing and we are root.
 */
export async function ensurePgbench(options: { log?: Logger } = {}): Promise<string> {
  const find = () => {
    const server = findPostgres();
    if (server && existsSync(join(server.binDir, 'pgbench'))) return join(server.binDir, 'pgbench');
    const dir = (process.env['PATH'] ?? '').split(':').find((d) => d && existsSync(join(d, 'pgbench')));
    return dir ? join(dir, 'pgbench') : undefined;
  };
  const found = find();
  if (found) return found;
  await aptGetInstall(['postgresql-client'], 'pgbench', options);
  const installed = find();
  if (!installed) throw new StackError('apt-get installed postgresql-client but pgbench is still missing.');
  return installed;
}
