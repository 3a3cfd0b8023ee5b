/**
 * `npm start`: the whole platform on this machine. Installs what is missing,
 * starts PostgreSQL, Kafka and Redis (unless DATABASE_URL / KAFKA_BROKERS /
 * REDIS_URL point elsewhere), then every service in services/services.ts and a
 * Prometheus scraping them, and prints where everything is, the gateway (the
 * public entry) first. Ctrl-C stops it all, services first.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayService } from '@ticketing/gateway/service';
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import { bookingsTopic } from '@ticketing/booking/service';
import { allServices } from '../services/services.js';
import { StackError, describeError, runMain } from './local-stack/errors.js';
import { declaredTopics } from '../charts/lib/kafka-acls.js';
import { ensureKafkaInstalled, ensureTopic, startKafka, stopKafkaIfRunning, type ScramCredentials } from './local-stack/kafka.js';
import { localKafkaUsers } from './local-stack/kafka-users.js';
import { localDir, repoRoot } from './local-stack/paths.js';
import { ensureDatabase, ensurePostgresInstalled, startPostgres, stopPostgresIfRunning } from './local-stack/postgres.js';
import { acquireLock } from './local-stack/locks.js';
import { logToStderr } from './local-stack/logging.js';
import { isProcessAlive, stopProcess } from './local-stack/pids.js';
import { assertPortsFree } from './local-stack/ports.js';
import { spawnService, type ServiceProcess } from './local-stack/service-process.js';
import { waitFor } from './local-stack/waiting.js';
import { devToken, secretGenerators } from './local-stack/dev-tokens.js';
import { ensurePrometheusInstalled, startPrometheus, stopPrometheusIfRunning } from './local-stack/prometheus.js';
import { loadOrCreateSecrets } from './local-stack/secrets.js';
import { ensureRedisInstalled, startRedis, stopRedisIfRunning } from './local-stack/redis.js';
import { watchWebUi } from './local-stack/web-ui.js';
import { ensureDemoOrganizer } from './local-stack/demo-organizer.js';
import { ensureDemoCatalog, demoVenue, type DemoCatalog } from './local-stack/demo-catalog.js';
import { usersService } from '@ticketing/users/service';
import { catalogService } from '@ticketing/catalog/service';

const devDir = join(localDir, 'dev');
const postgresDir = join(devDir, 'postgres');
const kafkaDir = join(devDir, 'kafka');
const redisDir = join(devDir, 'redis');
const prometheusDir = join(devDir, 'prometheus');
const secretsFile = join(devDir, 'secrets.env');
const servicePidsFile = join(devDir, 'services.pids');
const postgresPort = 5433;
const kafkaPort = 9092;
const redisPort = 6379;
/** Not 9090: a system Prometheus may already listen there. */
const prometheusPort = 9190;
const databaseName = 'ticketing';
/**
 * Every credential a service declares that is not wired to Postgres or Kafka
 * (USERS_SIGNING_KEYS, PAYMENT_WEBHOOK_SECRET, …): generated locally, so a
 * service that declares a new one needs no change here. Each service gets
 * only the secrets it declares (only users holds the signing key).
 */
const wiredHere = new Set(['REDIS_URL']);
const secretNames = [...new Set(allServices.flatMap((s) => s.env.filter((e) => e.secret && !e.from && !wiredHere.has(e.name)).map((e) => e.name)))];
const readyTimeoutMs = 120_000;
const log = logToStderr;

/** Thrown out of the start-up sequence when Ctrl-C / SIGTERM arrives. */
class Interrupted extends Error {}

runMain(async () => {
  // Ctrl-C also kills a pipe reader (`npm start | grep …`); writing to it then
  // fails with EPIPE, which must not abort the clean shutdown.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  mkdirSync(devDir, { recursive: true });
  const lock = acquireLock(join(devDir, 'start.lock'), 'The local stack (npm start)');
  // Everything started is pushed here and undone in reverse order.
  const teardown: { what: string; undo: () => Promise<void> }[] = [];
  const stopRequested = onStopSignal();
  let exitCode = 0;
  try {
    if (lock.stalePid !== undefined) await cleanUpAfterCrash(lock.stalePid);
    const checkpoint = (): void => {
      if (stopRequested.requested) throw new Interrupted();
    };

    // Fail fast on taken ports, before spending a minute starting things.
    await assertPortsFree([
      ...(process.env['DATABASE_URL'] ? [] : [{ port: postgresPort, what: 'PostgreSQL' }]),
      ...(process.env['KAFKA_BROKERS']
        ? []
        : [
            { port: kafkaPort, what: 'Kafka' },
            { port: kafkaPort + 1, what: 'Kafka controller' },
          ]),
      ...(process.env['REDIS_URL'] ? [] : [{ port: redisPort, what: 'Redis' }]),
      ...allServices.map((service) => ({ port: service.port, what: service.name })),
      { port: prometheusPort, what: 'Prometheus' },
    ]);

    // Install (or find) everything before starting anything, so a missing
    // prerequisite is one message, not a message plus a shutdown.
    const kafkaInstallation = process.env['KAFKA_BROKERS'] ? undefined : await ensureKafkaInstalled({ log });
    if (!process.env['DATABASE_URL']) await ensurePostgresInstalled({ log });
    if (!process.env['REDIS_URL']) await ensureRedisInstalled({ log });
    await ensurePrometheusInstalled({ log });
    checkpoint();

    // The gateway serves the UI from its build folder; edits are rebuilt in place (reload the page to see them).
    log('Building the web UI (services/web; rebuilt on every change)…');
    const webUi = await watchWebUi((error) => log(error ? `web UI build failed: ${error.message}` : 'web UI rebuilt.'));
    teardown.push({ what: 'the web UI build watcher', undo: () => webUi.close() });
    checkpoint();

    const databaseUrl = await (async () => {
      const external = process.env['DATABASE_URL'];
      if (external) return external;
      const postgres = await startPostgres({ dataDir: postgresDir, port: postgresPort, log });
      teardown.push({ what: 'PostgreSQL', undo: () => postgres.stop() });
      return ensureDatabase(postgres.url, databaseName);
    })();
    checkpoint();

    const kafka = await (async (): Promise<{ brokers: string; superUser?: ScramCredentials; loginOf(service: ServiceDeclaration): Record<string, string> }> => {
      const external = process.env['KAFKA_BROKERS'];
      if (external || !kafkaInstallation) return { brokers: external ?? '', loginOf: () => ({}) };
      // Like the cluster: SCRAM-SHA-512, one user per service with its KafkaUser's ACLs.
      const running = await startKafka({ dataDir: kafkaDir, port: kafkaPort, log, installation: kafkaInstallation, users: localKafkaUsers(allServices) });
      teardown.push({ what: 'Kafka', undo: () => running.stop() });
      return {
        brokers: running.brokers,
        ...(running.superUser ? { superUser: running.superUser } : {}),
        loginOf: (service): Record<string, string> => {
          if (!service.dependencies.kafka) return {};
          const login = running.credentialsOf(service.name);
          return { KAFKA_SASL_USERNAME: login.username, KAFKA_SASL_PASSWORD: login.password };
        },
      };
    })();
    const brokers = kafka.brokers;
    // Every topic a service names (and their dead-letter topics), as the cluster's KafkaTopics.
    for (const topic of new Set([bookingsTopic, ...declaredTopics(allServices)])) {
      if (await ensureTopic(brokers, topic, 3, kafka.superUser)) log(`Created topic ${topic} (3 partitions).`);
    }
    checkpoint();

    const redisUrl = await (async () => {
      const external = process.env['REDIS_URL'];
      if (external) return external;
      const redis = await startRedis({ dataDir: redisDir, port: redisPort, log });
      teardown.push({ what: 'Redis', undo: () => redis.stop() });
      return redis.url;
    })();
    checkpoint();

    const secrets = loadSecrets();
    const services = startServices(
      allServices,
      {
        DATABASE_URL: databaseUrl,
        KAFKA_BROKERS: brokers,
        REDIS_URL: redisUrl,
        ...secrets,
      },
      kafka.loginOf,
    );
    teardown.push({ what: 'services', undo: () => stopServices(services) });

    await Promise.all(
      services.map(({ declaration, process: child }) =>
        waitFor(`http://127.0.0.1:${declaration.port}${declaration.health.readiness}`, {
          what: `${declaration.name} to become ready (${declaration.health.readiness})`,
          timeoutMs: readyTimeoutMs,
          failIf: () => {
            if (stopRequested.requested) return new Interrupted();
            const exited = services.find((s) => s.process.exitStatus() !== undefined);
            return exited ? withRecentOutput(`${exited.declaration.name} exited during start (${exited.process.exitStatus()}).`, exited.process) : undefined;
          },
        }).catch((error: unknown) => {
          throw error instanceof StackError && child.exitStatus() === undefined && /^Timed out/.test(error.message)
            ? withRecentOutput(error.message, child)
            : error;
        }),
      ),
    );

    const prometheus = await startPrometheus({
      port: prometheusPort,
      dataDir: prometheusDir,
      scrapeIntervalSeconds: 5,
      targets: services.map(({ declaration }) => ({ job: declaration.name, address: `127.0.0.1:${declaration.port}`, metricsPath: declaration.metricsPath })),
      log,
    });
    teardown.push({ what: 'Prometheus', undo: () => prometheus.stop() });
    checkpoint();

    const organizerPassword = loadOrCreateSecrets(secretsFile, ['DEMO_ORGANIZER_PASSWORD']).values.DEMO_ORGANIZER_PASSWORD!;
    const organizer = await ensureDemoOrganizer(`http://127.0.0.1:${usersService.port}`, organizerPassword).catch((error: unknown) => {
      log(`Could not prepare the demo organizer account: ${(error as Error).message}`);
      return undefined;
    });
    // Events to buy at on the first visit: the organizer's demo venue and events, made once through the catalog's API.
    const demoCatalog = organizer
      ? await ensureDemoCatalog({ usersUrl: `http://127.0.0.1:${usersService.port}`, catalogUrl: `http://127.0.0.1:${catalogService.port}`, ...organizer })
          .then((catalog) => {
            const created = catalog.events.filter((e) => e.created).length;
            if (created > 0) log(`Created ${created} demo event${created === 1 ? '' : 's'} at ${demoVenue.name}, ${demoVenue.city}.`);
            return catalog;
          })
          .catch((error: unknown) => {
            log(`Could not prepare the demo events: ${(error as Error).message}`);
            return undefined;
          })
      : undefined;
    printBanner(
      services.map((s) => s.declaration),
      databaseUrl,
      brokers,
      redisUrl,
      prometheus.url,
      await exampleTokens(),
      organizer,
      demoCatalog,
    );

    // Run until asked to stop, or until a service dies on its own.
    const crashed = await Promise.race([
      stopRequested.promise.then(() => undefined),
      ...services.map(({ process: child }) => child.exited.then((how) => ({ child, how }))),
    ]);
    if (crashed) {
      log(`\n${crashed.child.name} stopped unexpectedly (${crashed.how}); stopping the stack.`);
      exitCode = 1;
    }
  } catch (error) {
    // Say what went wrong first, then the shutdown progress below it.
    if (error instanceof StackError) {
      log(`error: ${describeError(error)}`);
      exitCode = 1;
    } else if (!(error instanceof Interrupted)) {
      throw error;
    }
  } finally {
    await runTeardown(teardown);
    lock.release();
  }
  return exitCode;
});

// ---------------------------------------------------------------- steps

function withRecentOutput(message: string, child: ServiceProcess): StackError {
  const output = child.recentOutput();
  return output ? new StackError(`${message} Its last output:`, output) : new StackError(`${message} It printed nothing.`);
}

/** Secrets from the environment if set there, else from (or into) .local/dev/secrets.env. */
function loadSecrets(): Record<string, string> {
  const { values, created } = loadOrCreateSecrets(secretsFile, secretNames, secretGenerators);
  if (created.length > 0) log(`Generated ${created.join(', ')} in ${secretsFile}.`);
  return Object.fromEntries(secretNames.map((name) => [name, process.env[name] || values[name] || '']));
}

interface StartedService {
  declaration: ServiceDeclaration;
  process: ServiceProcess;
}

/**
 * What one service's environment adds to `shared`: only the secrets it
 * declares, and the local address of every service it names by URL
 * (`from: 'service-url'`, e.g. AUTH_JWKS_URL → the users service).
 */
function envOf(declaration: ServiceDeclaration, shared: Record<string, string>): Record<string, string> {
  const declared = new Set(declaration.env.map((e) => e.name));
  const env = Object.fromEntries(Object.entries(shared).filter(([name]) => !secretNames.includes(name) || declared.has(name)));
  for (const setting of declaration.env) {
    const target = setting.from === 'service-url' ? allServices.find((s) => s.name === setting.service) : undefined;
    if (target) env[setting.name] = process.env[setting.name] || `http://127.0.0.1:${target.port}`;
  }
  return env;
}

function startServices(
  declarations: readonly ServiceDeclaration[],
  env: Record<string, string>,
  kafkaLoginOf: (service: ServiceDeclaration) => Record<string, string>,
): StartedService[] {
  const labelWidth = Math.max(...declarations.map((d) => d.name.length));
  const started = declarations.map((declaration, index) => {
    log(`Starting ${declaration.name} on http://127.0.0.1:${declaration.port}…`);
    const child = spawnService({
      name: declaration.name,
      command: process.execPath,
      args: ['--conditions=development', '--import', 'tsx', declaration.entry],
      cwd: repoRoot,
      env: { ...withoutSecrets(process.env), ...envOf(declaration, env), ...kafkaLoginOf(declaration), HOST: '127.0.0.1', PORT: String(declaration.port) },
      labelWidth,
      colourIndex: index,
    });
    return { declaration, process: child };
  });
  // Remembered so a later run can clean up if this one is killed outright.
  writeFileSync(servicePidsFile, started.map((s) => `${s.process.pid} ${s.declaration.entry}\n`).join(''));
  return started;
}

async function stopServices(services: readonly StartedService[]): Promise<void> {
  await Promise.all(services.map(({ declaration, process: child }) => child.stop((declaration.shutdownGraceSeconds + 5) * 1000)));
  rmSync(servicePidsFile, { force: true });
}

async function runTeardown(teardown: { what: string; undo: () => Promise<void> }[]): Promise<void> {
  if (teardown.length > 0) log('Stopping…');
  for (const step of teardown.reverse()) {
    try {
      await step.undo();
      log(`  stopped ${step.what}`);
    } catch (error) {
      log(`  could not stop ${step.what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/**
 * The previous `npm start` died without cleaning up (SIGKILL, power loss):
 * stop the servers it left on our ports and data directories.
 */
async function cleanUpAfterCrash(stalePid: number): Promise<void> {
  log(`A previous npm start (pid ${stalePid}) did not shut down cleanly; stopping what it left running…`);
  let pids = '';
  try {
    pids = readFileSync(servicePidsFile, 'utf8');
  } catch {
    // none recorded
  }
  for (const line of pids.split('\n').filter(Boolean)) {
    const [pidText, entry] = line.split(' ');
    const pid = Number(pidText);
    if (!entry || !isProcessAlive(pid)) continue;
    // Only if that pid is still our service (pids get reused).
    if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(entry)) await stopProcess(pid, { timeoutMs: 30_000 });
  }
  rmSync(servicePidsFile, { force: true });
  await stopPrometheusIfRunning(prometheusDir);
  await stopKafkaIfRunning(kafkaDir);
  await stopPostgresIfRunning(postgresDir);
  await stopRedisIfRunning(redisDir);
}

/** Ctrl-C, SIGTERM and a closed terminal (SIGHUP) all mean "stop cleanly". */
function onStopSignal(): { requested: boolean; promise: Promise<void> } {
  const state = { requested: false, promise: Promise.resolve() };
  let firstAt = 0;
  state.promise = new Promise((resolvePromise) => {
    const handler = (signal: NodeJS.Signals): void => {
      if (state.requested) {
        // Ctrl-C reaches us twice (the terminal, then tsx relaying it): only
        // a later press is the user asking again.
        if (Date.now() - firstAt > 1500) log(`Still stopping (${signal} again); please wait.`);
        return;
      }
      state.requested = true;
      firstAt = Date.now();
      log(`\nReceived ${signal}.`);
      resolvePromise();
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, handler);
  });
  return state;
}

/** The inherited environment minus any secret set there (the service gets its own from `envOf`). */
function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !secretNames.includes(name)));
}

/** Development tokens signed with the local users key, for trying the API without an account. */
async function exampleTokens(): Promise<string[]> {
  const ttlSeconds = 24 * 3600;
  return [
    `   ${'buyer'.padEnd(10)} ${await devToken({ sub: 'dev-buyer', role: 'buyer' }, ttlSeconds)}`,
    `   ${'partner'.padEnd(10)} ${await devToken({ sub: 'dev-partner', role: 'partner', org: 'dev-organization' }, ttlSeconds)}`,
    `   ${'admin'.padEnd(10)} ${await devToken({ sub: 'dev-admin', role: 'admin' }, ttlSeconds)}`,
  ];
}

function printBanner(
  services: readonly ServiceDeclaration[],
  databaseUrl: string,
  brokers: string,
  redisUrl: string,
  prometheusUrl: string,
  tokens: readonly string[],
  organizer: { email: string; password: string } | undefined,
  demoCatalog: DemoCatalog | undefined,
): void {
  const width = Math.max(...services.map((s) => s.name.length), 10);
  const rule = '─'.repeat(78);
  const gateway = `http://127.0.0.1:${gatewayService.port}`;
  const lines = [
    '',
    rule,
    ` Web UI: ${gateway}/   (open it in a browser; rebuilt when services/web changes)`,
    ...(organizer ? [`   organizer log-in: ${organizer.email} / ${organizer.password}   (buyers: register on the page)`] : []),
    ...(demoCatalog
      ? [`   on sale: ${demoCatalog.events.length} demo events at ${demoVenue.name}, ${demoVenue.city} (the organizer's; seated and standing)`]
      : []),
    ` Gateway (the public API): ${gateway}/api/<service>/…   docs: ${gateway}/api/docs/`,
    ' The local stack is up. Ctrl-C stops everything.',
    '',
    // The public entry first: it is the one to use.
    ...[...services]
      .sort((a, b) => Number(b.publicEntry ?? false) - Number(a.publicEntry ?? false))
      .map((s) => {
        const base = `http://127.0.0.1:${s.port}`;
        return ` ${s.name.padEnd(width)}  ${base}   OpenAPI: ${base}${s.openApiPath}`;
      }),
    '',
    ` ${'PostgreSQL'.padEnd(width)}  ${databaseUrl}`,
    ` ${'Kafka'.padEnd(width)}  ${brokers}   topic: ${bookingsTopic}`,
    ` ${'Redis'.padEnd(width)}  ${redisUrl}`,
    ` ${'Prometheus'.padEnd(width)}  ${prometheusUrl}   (scrapes every service every 5 s)`,
    ` ${'Secrets'.padEnd(width)}  ${secretsFile}`,
    '',
    ' Example bearer tokens (valid 24 h; real accounts: POST /api/users/auth/register):',
    ...tokens,
    ` Use one as: curl -H "Authorization: Bearer <token>" ${gateway}/api/catalog/...`,
    rule,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
