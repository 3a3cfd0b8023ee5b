/**
 * `npm test [-- FILTER…] [--no-typecheck]`: type-checks and lints the
 * repository (tsc, ESLint, Prettier; `--no-typecheck` skips all three), starts
 * builds the web UI (services/web, which the gateway serves and the browser
 * tests drive), starts a throwaway PostgreSQL, Kafka and Redis, runs every test
 * file with node's test runner, and stops them again.
 *
 * The runner's summary is the last thing printed (CI reads it), so nothing
 * is written after the runner exits.
 *
 * TEST_DATABASE_URL / TEST_KAFKA_BROKERS / TEST_REDIS_URL, when set, are used instead of
 * starting servers (e.g. to run tests against servers you keep running);
 * TEST_KAFKA_SASL=scram-sha-512:<user>:<password> is the login of such a Kafka.
 * The throwaway Kafka runs SCRAM-SHA-512 with the services' users and ACLs,
 * like `npm start`'s and the cluster's, and passes its super user on as
 * TEST_KAFKA_SASL; TEST_KAFKA_SCRAM=0 starts it plaintext instead.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StackError, runMain } from './local-stack/errors.js';
import { ensureKafkaInstalled, startKafka, stopKafkaIfRunning } from './local-stack/kafka.js';
import { localDir, repoRoot } from './local-stack/paths.js';
import { ensurePostgresInstalled, startPostgres, stopPostgresIfRunning } from './local-stack/postgres.js';
import { acquireLock, type Lock } from './local-stack/locks.js';
import { logToStderr } from './local-stack/logging.js';
import { readLivePid } from './local-stack/pids.js';
import { filterTestFiles, findTestFiles } from './local-stack/test-files.js';
import { installTestTools } from './local-stack/test-tools.js';
import { ensureRedisInstalled, startRedis, stopRedisIfRunning } from './local-stack/redis.js';
import { buildWebUi } from './local-stack/web-ui.js';

const testDir = join(localDir, 'test');
const postgresDir = join(testDir, 'postgres');
const kafkaDir = join(testDir, 'kafka');
const redisDir = join(testDir, 'redis');
const teardownLog = join(testDir, 'teardown.log');
const postgresPort = 55432;
const kafkaPort = 59092;
const redisPort = 56379;
// Machine-wide, like the ports it guards: runs from two checkouts queue too.
const lockFile = join(tmpdir(), `ticketing-npm-test-${postgresPort}.lock`);
/** The longest a test file may run: the slowest takes about one minute on 2 cores. */
const fileTimeoutMs = 5 * 60_000;
const log = logToStderr;

runMain(async () => {
  const args = process.argv.slice(2);
  const typecheck = !args.includes('--no-typecheck');
  const filters = args.filter((arg) => arg !== '--no-typecheck');
  const unknownFlag = filters.find((arg) => arg.startsWith('--'));
  if (unknownFlag) throw new StackError(`Unknown option ${unknownFlag}. Usage: npm test [-- [--no-typecheck] [path or name filter…]]`);

  // npm runs scripts from the repo root; filters are relative to where the user typed them.
  const files = filterTestFiles(findTestFiles(repoRoot), filters, repoRoot, process.env['INIT_CWD'] ?? process.cwd());
  if (files.length === 0) throw new StackError('No test files found.');

  if (typecheck) await runStaticChecks();
  log('Building the web UI (vite build)…');
  await buildWebUi();

  const needPostgres = !process.env['TEST_DATABASE_URL'];
  const needKafka = !process.env['TEST_KAFKA_BROKERS'];
  const needRedis = !process.env['TEST_REDIS_URL'];
  const lock = needPostgres || needKafka || needRedis ? await waitForLock() : undefined;
  const stops: (() => Promise<void>)[] = [];
  try {
    const env = { ...process.env };
    // Installing (first run on a machine) before starting keeps failures simple.
    const kafkaInstallation = needKafka ? await ensureKafkaInstalled({ log }) : undefined;
    if (needPostgres) await ensurePostgresInstalled({ log });
    if (needRedis) await ensureRedisInstalled({ log });
    // And what the chosen files drive (a browser, promtool…): no install counts against a test's timeout.
    await installTestTools(files, log);
    // Leftovers of an interrupted run would hold the ports and the directories.
    await Promise.all([
      needPostgres && stopPostgresIfRunning(postgresDir),
      needKafka && stopKafkaIfRunning(kafkaDir),
      needRedis && stopRedisIfRunning(redisDir),
    ]);

    // Both at once: the JVM's start-up is the slow part.
    const started = await Promise.allSettled([
      needPostgres
        ? (async () => {
            rmSync(postgresDir, { recursive: true, force: true });
            const postgres = await startPostgres({ dataDir: postgresDir, port: postgresPort, fsync: false, log });
            stops.push(() => postgres.stop());
            env['TEST_DATABASE_URL'] = postgres.url;
          })()
        : Promise.resolve(),
      needKafka
        ? (async () => {
            rmSync(kafkaDir, { recursive: true, force: true });
            const scram = process.env['TEST_KAFKA_SCRAM'] !== '0';
            const kafka = await startKafka({
              dataDir: kafkaDir,
              port: kafkaPort,
              log,
              installation: kafkaInstallation,
              // Loaded only here: a plaintext run needs no service declarations.
              ...(scram ? { users: await scramUsers() } : {}),
            });
            stops.push(() => kafka.stop());
            env['TEST_KAFKA_BROKERS'] = kafka.brokers;
            if (kafka.superUser) env['TEST_KAFKA_SASL'] = `scram-sha-512:${kafka.superUser.username}:${kafka.superUser.password}`;
          })()
        : Promise.resolve(),
      needRedis
        ? (async () => {
            rmSync(redisDir, { recursive: true, force: true });
            const redis = await startRedis({ dataDir: redisDir, port: redisPort, log });
            stops.push(() => redis.stop());
            env['TEST_REDIS_URL'] = redis.url;
          })()
        : Promise.resolve(),
    ]);
    const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;

    log(`Running ${files.length} test file${files.length === 1 ? '' : 's'}…\n`);
    return await runTests(files, env);
  } finally {
    // Silent on purpose: the runner's summary must stay the last output.
    await Promise.all(stops.map((stop) => stop().catch((error: unknown) => appendFileSync(teardownLog, `${new Date().toISOString()} ${String(error)}\n`))));
    lock?.release();
  }
});

/** One SCRAM user per service that declares Kafka, with its ACLs. */
async function scramUsers() {
  const [{ allServices }, { localKafkaUsers }] = await Promise.all([import('../services/services.js'), import('./local-stack/kafka-users.js')]);
  return localKafkaUsers(allServices);
}

/** tsc, ESLint and Prettier over the whole repository; the first that fails stops the run. */
async function runStaticChecks(): Promise<void> {
  // Through package.json: not every package exports its bin file.
  const resolveBin = (pkg: string, file: string) => join(dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`)), file);
  const pretty = process.stdout.isTTY ? 'true' : 'false';
  const checks = [
    { what: 'Type-checking (tsc -p tsconfig.json)', args: [resolveBin('typescript', 'bin/tsc'), '-p', 'tsconfig.json', '--pretty', pretty] },
    // The browser code has its own settings (DOM, JSX).
    {
      what: 'Type-checking the web UI (tsc -p services/web/tsconfig.json)',
      args: [resolveBin('typescript', 'bin/tsc'), '-p', 'services/web/tsconfig.json', '--pretty', pretty],
    },
    { what: 'Linting (eslint .)', args: [resolveBin('eslint', 'bin/eslint.js'), '--max-warnings=0', '.'] },
    { what: 'Checking formatting (prettier --check .)', args: [resolveBin('prettier', 'bin/prettier.cjs'), '--check', '--log-level=warn', '.'] },
  ];
  for (const { what, args } of checks) {
    log(`${what}…`);
    if ((await run(process.execPath, args)) !== 0) {
      throw new StackError(
        `${what} failed (errors above). Fix them (\`npm run format\` rewrites the formatting), or run \`npm test -- --no-typecheck\` to test anyway.`,
      );
    }
  }
}

/** Runs node's test runner over `files`; resolves with its exit code. */
function runTests(files: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return run(
    process.execPath,
    [
      '--conditions=development',
      '--import',
      'tsx',
      '--test',
      '--test-reporter=spec',
      // One file at a time: files share the servers and the machine has 2 cores.
      ...(nodeAtLeast(20, 10) ? ['--test-concurrency=1'] : []),
      // A test that forgets to close a pool or a Kafka client must not hang CI.
      ...(nodeAtLeast(20, 14) ? ['--test-force-exit'] : []),
      // Nor may one that waits for ever: a file still running after this is
      // failed ("timed out") and the run goes on to the next file and the summary.
      ...(nodeAtLeast(20, 11) ? [`--test-timeout=${fileTimeoutMs}`] : []),
      ...files,
    ],
    env,
  );
}

/** These runner flags arrived during Node 20; package.json allows any 20.6+. */
function nodeAtLeast(major: number, minor: number): boolean {
  const [actualMajor = 0, actualMinor = 0] = process.versions.node.split('.').map(Number);
  return actualMajor > major || (actualMajor === major && actualMinor >= minor);
}

/**
 * Runs a child attached to our terminal. Ctrl-C (and a closed terminal)
 * reach it directly, being in our process group: we only outlive it so the
 * servers still get stopped. A SIGTERM aimed at us alone is passed on.
 */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: 'inherit' });
    const outlive = (): void => {};
    const forward = (): void => {
      child.kill('SIGTERM');
    };
    process.on('SIGINT', outlive).on('SIGHUP', outlive).on('SIGTERM', forward);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', outlive).off('SIGHUP', outlive).off('SIGTERM', forward);
      resolvePromise(code ?? (signal ? 1 : 0));
    });
  });
}

/**
 * One `npm test` at a time on this machine: a second would fight over the
 * ports or wipe the first one's servers. It waits rather than fails, so
 * parallel runs simply queue.
 */
async function waitForLock(): Promise<Lock> {
  mkdirSync(testDir, { recursive: true });
  let announced = false;
  for (;;) {
    try {
      return acquireLock(lockFile, 'npm test');
    } catch (error) {
      if (!(error instanceof StackError)) throw error;
      if (!announced) {
        log(`Another npm test (pid ${readLivePid(lockFile) ?? '?'}) is using the test servers; waiting for it to finish…`);
        announced = true;
      }
      await sleep(1000);
    }
  }
}
