import { STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Express } from 'express';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { ConfigError, loadConfig, type ServiceConfig } from './config.js';
import { createPool, migrate, platformMigrations, poolTimeoutsFrom, retryWhileUnavailable, type Pool, type Tx } from './db.js';
import { createHttpApp, type ReadinessCheck } from './http.js';
import { createIdempotentWriter, idempotencyKeyTtlHours, type IdempotentWriter } from './idempotency.js';
import { createKafka, runConsumer, type RunningConsumer } from './kafka.js';
import { createLogger, type Logger, type LogLevel } from './log.js';
import { createMetrics, instrumentPool, type Metrics } from './metrics.js';
import { createApi, type Api, type OpenApiDocument } from './openapi.js';
import { HttpProblem, problems } from './problem.js';
import { requestTimeoutSecondsOf, type ServiceDeclaration } from './service-declaration.js';
import { createEventStreams, type EventStreams } from './sse.js';

/**
 * Requests Node's HTTP parser rejects (oversized URL or headers, malformed
 * requests, header timeouts) never reach express; answer them as
 * problem+json too, instead of Node's bare status line.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const problem =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new HttpProblem(431, 'headers-too-large', 'Request header fields too large', 'the request line or headers exceed the size limit')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new HttpProblem(408, 'request-timeout', 'Request timeout', 'the request was not received in time')
        : problems.badRequest('the request is not valid HTTP/1.1');
  const body = JSON.stringify(problem.toBody());
  socket.end(
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * What a service's setup gets: everything shared, already configured. What
 * exists only for some declarations is reached through a `require…()`
 * accessor, which names the missing declaration instead of handing out undefined.
 */
export interface ServiceContext {
  declaration: ServiceDeclaration;
  config: ServiceConfig;
  logger: Logger;
  metrics: Metrics;
  api: Api;
  /** The PostgreSQL pool; the declaration must depend on PostgreSQL. */
  requirePool(): Pool;
  /** The Kafka client; the declaration must depend on Kafka. */
  requireKafka(): Kafka;
  /** Idempotency-Key handling for writes, stored in the service's schema; the definition must have a `database`. */
  requireIdempotency(): IdempotentWriter;
  /** Adds a /readyz check. */
  addReadinessCheck(check: ReadinessCheck): void;
  /** Runs on shutdown, in reverse order of registration, after HTTP has drained. */
  onShutdown(hook: () => Promise<void> | void): void;
  /** Server-Sent Events for live views; every open stream is ended when the service stops. */
  eventStreams: EventStreams;
  /**
   * Consumes `topic` as consumer group `group` through the platform's runner,
   * each message in one transaction with its id recorded in the service's
   * schema (effectively once); from the beginning of the topic for a new
   * group. /readyz follows the group membership; the consumer stops on shutdown.
   */
  consume(options: ServiceConsumerOptions): Promise<RunningConsumer>;
}

export interface ServiceConsumerOptions {
  topic: string;
  group: string;
  handle(message: KafkaMessage, partition: number, tx: Tx): Promise<void>;
  /** @default 3 */
  maxAttempts?: number;
  /** @default { initialMs: 100, maxMs: 5000 } */
  backoff?: { initialMs: number; maxMs: number };
}

export interface ServiceDefinition {
  declaration: ServiceDeclaration;
  /** The API document, or how to build it from the settings whose limits it states. */
  openApi: OpenApiDocument | ((config: ServiceConfig) => OpenApiDocument);
  /** Schema this service owns and the folder of its migrations. */
  database?: { schema: string; migrations: string };
  /** How many proxies in front of the service are trusted for the client's address (an edge service behind the ingress). @default 0 */
  trustProxyHops?: (config: ServiceConfig) => number;
  setup(ctx: ServiceContext): Promise<void> | void;
}

export interface RunningService {
  url: string;
  port: number;
  context: ServiceContext;
  /** Graceful stop: not-ready, drain HTTP, run shutdown hooks, close pools. */
  stop(): Promise<void>;
}

type ShutdownHook = () => Promise<void> | void;

/** Opens the pool, checks it for /readyz, and applies the platform's and the service's migrations (when DATABASE_MIGRATE). */
async function openDatabase(
  definition: ServiceDefinition,
  config: ServiceConfig,
  logger: Logger,
  metrics: Metrics,
  readiness: ReadinessCheck[],
): Promise<Pool> {
  const pool = createPool(config.string('DATABASE_URL'), config.integer('DATABASE_POOL_MAX'), logger, poolTimeoutsFrom(config));
  instrumentPool(pool, metrics.registry);
  readiness.push({ name: 'postgres', check: async () => void (await pool.query('SELECT 1')) });
  if (!definition.database || !config.boolean('DATABASE_MIGRATE')) return pool;
  const { schema, migrations } = definition.database;
  try {
    await retryWhileUnavailable(
      () => migrate(pool, schema, [platformMigrations, { prefix: definition.declaration.name, dir: migrations }], logger),
      logger,
      'migrations',
    );
  } catch (error) {
    await pool.end();
    throw error;
  }
  return pool;
}

/** The Idempotency-Key store in the service's schema, with an hourly purge of expired keys. */
function startIdempotency(pool: Pool, schema: string, config: ServiceConfig, logger: Logger, hooks: ShutdownHook[]): IdempotentWriter {
  const writer = createIdempotentWriter({ pool, schema, ttlHours: idempotencyKeyTtlHours(config) });
  // Expired keys are never replayed (checked on read); this only reclaims space.
  const purge = setInterval(
    () => {
      writer.purgeExpired().catch((error: unknown) => logger.warn('idempotency key purge failed', { error }));
    },
    60 * 60 * 1000,
  );
  purge.unref();
  hooks.push(() => clearInterval(purge));
  return writer;
}

function connectKafka(declaration: ServiceDeclaration, config: ServiceConfig, logger: Logger): Kafka {
  return createKafka(config.list('KAFKA_BROKERS'), config.string('KAFKA_CLIENT_ID') || declaration.name, logger, {
    username: config.string('KAFKA_SASL_USERNAME'),
    password: config.string('KAFKA_SASL_PASSWORD'),
  });
}

/** Returns `value`, or throws naming what the service did not declare. */
function required<T>(value: T | undefined, missing: string): T {
  if (value === undefined) throw new Error(missing);
  return value;
}

/** Listens on HOST:PORT with timeouts that keep slow clients from holding sockets (or shutdown). */
async function listen(app: Express, config: ServiceConfig, declaration: ServiceDeclaration): Promise<Server> {
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.string('HOST'));
    s.once('listening', () => resolve(s));
    s.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new ConfigError('PORT', `port ${config.port} is already in use`) : error);
    });
  });
  server.on('clientError', answerClientError);
  // A whole request must arrive in time; a declared streamed upload (a large import file) gets its own budget.
  server.requestTimeout = requestTimeoutSecondsOf(declaration) * 1000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  return server;
}

/**
 * Graceful stop, once: not ready, drain HTTP, run the shutdown hooks in
 * reverse, close the pool. The drain waits for requests under way at most
 * `drainMs`; then the connections still open are cut, so a client that never
 * finishes cannot keep the hooks (the relay's last batch, the consumers'
 * commits) from running within the grace period.
 */
function stopper(
  server: Server,
  hooks: ShutdownHook[],
  pool: Pool | undefined,
  logger: Logger,
  markShuttingDown: () => void,
  drainMs: number,
): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      markShuttingDown();
      logger.info('shutting down');
      await new Promise<void>((resolve) => {
        const cut = setTimeout(() => {
          logger.warn('HTTP connections still open after the drain time; closing them', { drainMs });
          server.closeAllConnections();
        }, drainMs);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      });
      for (const hook of hooks.reverse()) {
        try {
          await hook();
        } catch (error) {
          logger.warn('shutdown hook failed', { error });
        }
      }
      await pool?.end();
      logger.info('stopped');
    })());
}

export interface StartOptions {
  /** Receives each log line instead of stdout (tests). */
  writeLog?: (line: string) => void;
}

export async function startService(definition: ServiceDefinition, env: NodeJS.ProcessEnv = process.env, options: StartOptions = {}): Promise<RunningService> {
  const { declaration } = definition;
  const config = loadConfig(declaration, env);
  const logger = createLogger({ service: declaration.name }, config.string('LOG_LEVEL') as LogLevel, options.writeLog);
  const metrics = createMetrics(declaration.name, { producesTopics: declaration.dependencies.kafka ? declaration.dependencies.kafka.produces : [] });
  const hooks: ShutdownHook[] = [];
  const readiness: ReadinessCheck[] = [];
  let shuttingDown = false;
  const eventStreams = createEventStreams();

  const pool = declaration.dependencies.postgres ? await openDatabase(definition, config, logger, metrics, readiness) : undefined;
  const idempotency = pool && definition.database ? startIdempotency(pool, definition.database.schema, config, logger, hooks) : undefined;
  const kafka = declaration.dependencies.kafka ? connectKafka(declaration, config, logger) : undefined;

  const openApi = typeof definition.openApi === 'function' ? definition.openApi(config) : definition.openApi;
  const api = createApi(openApi);
  const { app, finish } = createHttpApp({
    declaration,
    logger,
    metrics,
    openApi,
    readiness,
    isShuttingDown: () => shuttingDown,
    trustProxyHops: definition.trustProxyHops?.(config) ?? 0,
  });
  const context: ServiceContext = {
    declaration,
    config,
    logger,
    metrics,
    api,
    requirePool: () => required(pool, `${declaration.name} does not declare a PostgreSQL dependency`),
    requireKafka: () => required(kafka, `${declaration.name} does not declare a Kafka dependency`),
    requireIdempotency: () => required(idempotency, `${declaration.name} declares no database schema for idempotency keys`),
    addReadinessCheck: (check) => void readiness.push(check),
    onShutdown: (hook) => void hooks.push(hook),
    eventStreams,
    async consume(consumerOptions) {
      const schema = required(definition.database, `${declaration.name} declares no database schema to record consumed messages in`).schema;
      const consumer = await runConsumer({
        ...consumerOptions,
        kafka: context.requireKafka(),
        logger,
        metrics,
        fromBeginning: true,
        database: { pool: context.requirePool(), schema },
      });
      readiness.push(consumer.readiness);
      hooks.push(() => consumer.stop());
      return consumer;
    },
  };
  await definition.setup(context);
  app.use(api.router);
  finish();

  const server = await listen(app, config, declaration);
  const port = (server.address() as AddressInfo).port;
  const host = config.string('HOST') === '0.0.0.0' ? '127.0.0.1' : config.string('HOST');
  logger.info('listening', { port, host: config.string('HOST') });
  const stop = stopper(
    server,
    hooks,
    pool,
    logger,
    () => {
      shuttingDown = true;
      // Clients reconnect (to another replica) on their own; an open stream would hold the drain.
      eventStreams.closeAll();
    },
    // A third of the grace period for requests under way; the hooks get the rest.
    (declaration.shutdownGraceSeconds * 1000) / 3,
  );
  return { url: `http://${host}:${port}`, port, context, stop };
}

/**
 * Entry point for a service process: starts it, stops gracefully on
 * SIGTERM/SIGINT within the declared grace period, and turns configuration
 * errors into one clear line and exit code 1.
 */
export function runMain(definition: ServiceDefinition): void {
  startService(definition).then(
    (running) => {
      const onSignal = (signal: string) => {
        running.context.logger.info('signal received', { signal });
        const force = setTimeout(
          () => {
            running.context.logger.error('shutdown took too long; exiting');
            process.exit(1);
          },
          definition.declaration.shutdownGraceSeconds * 1000 - 2_000,
        );
        force.unref();
        running.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    },
    (error: unknown) => {
      if (error instanceof ConfigError) {
        process.stderr.write(`${definition.declaration.name}: ${error.message}\n`);
      } else {
        process.stderr.write(`${definition.declaration.name}: failed to start: ${(error as Error).message}\n`);
      }
      process.exit(1);
    },
  );
}
