import { STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Kafka } from 'kafkajs';
import { ConfigError, loadConfig, type ServiceConfig } from './config.js';
import { createPool, migrate, platformMigrations, poolTimeoutsFrom, retryWhileUnavailable, type Pool } from './db.js';
import { createHttpApp, type ReadinessCheck } from './http.js';
import { createIdempotentWriter, idempotencyKeyTtlHours, type IdempotentWriter } from './idempotency.js';
import { createKafka } from './kafka.js';
import { createLogger, type Logger, type LogLevel } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createApi, type Api, type OpenApiDocument } from './openapi.js';
import { HttpProblem, problems } from './problem.js';
import type { ServiceDeclaration } from './service-declaration.js';

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

/** What a service's setup gets: everything shared, already configured. */
export interface ServiceContext {
  declaration: ServiceDeclaration;
  config: ServiceConfig;
  logger: Logger;
  metrics: Metrics;
  /** Present when the declaration depends on PostgreSQL. */
  pool: Pool;
  /** Present when the declaration depends on Kafka. */
  kafka: Kafka | undefined;
  /** Idempotency-Key handling for writes, stored in the service's schema (needs `database`). */
  idempotency: IdempotentWriter;
  api: Api;
  /** Adds a /readyz check. */
  addReadinessCheck(check: ReadinessCheck): void;
  /** Runs on shutdown, in reverse order of registration, after HTTP has drained. */
  onShutdown(hook: () => Promise<void> | void): void;
}

export interface ServiceDefinition {
  declaration: ServiceDeclaration;
  /** The API document, or how to build it from the settings whose limits it states. */
  openApi: OpenApiDocument | ((config: ServiceConfig) => OpenApiDocument);
  /** Schema this service owns and the folder of its migrations. */
  database?: { schema: string; migrations: string };
  setup(ctx: ServiceContext): Promise<void> | void;
}

export interface RunningService {
  url: string;
  port: number;
  context: ServiceContext;
  /** Graceful stop: not-ready, drain HTTP, run shutdown hooks, close pools. */
  stop(): Promise<void>;
}

export async function startService(definition: ServiceDefinition, env: NodeJS.ProcessEnv = process.env): Promise<RunningService> {
  const { declaration } = definition;
  const config = loadConfig(declaration, env);
  const logger = createLogger({ service: declaration.name }, config.string('LOG_LEVEL') as LogLevel);
  const metrics = createMetrics(declaration.name);
  const hooks: (() => Promise<void> | void)[] = [];
  const readiness: ReadinessCheck[] = [];
  let shuttingDown = false;

  let pool: Pool | undefined;
  if (declaration.dependencies.postgres) {
    pool = createPool(config.string('DATABASE_URL'), config.integer('DATABASE_POOL_MAX'), logger, poolTimeoutsFrom(config));
    const db = pool;
    readiness.push({ name: 'postgres', check: async () => void (await db.query('SELECT 1')) });
    if (definition.database && config.boolean('DATABASE_MIGRATE')) {
      try {
        const { schema, migrations } = definition.database;
        await retryWhileUnavailable(
          () => migrate(pool!, schema, [platformMigrations, { prefix: declaration.name, dir: migrations }], logger),
          logger,
          'migrations',
        );
      } catch (error) {
        await pool.end();
        throw error;
      }
    }
  }
  let idempotency: IdempotentWriter | undefined;
  if (pool && definition.database) {
    const writer = createIdempotentWriter({ pool, schema: definition.database.schema, ttlHours: idempotencyKeyTtlHours(config) });
    // Expired keys are never replayed (checked on read); this only reclaims space.
    const purge = setInterval(
      () => {
        writer.purgeExpired().catch((error: unknown) => logger.warn('idempotency key purge failed', { error }));
      },
      60 * 60 * 1000,
    );
    purge.unref();
    hooks.push(() => clearInterval(purge));
    idempotency = writer;
  }
  const kafka = declaration.dependencies.kafka
    ? createKafka(config.list('KAFKA_BROKERS'), config.string('KAFKA_CLIENT_ID') || declaration.name, logger, {
        username: config.string('KAFKA_SASL_USERNAME'),
        password: config.string('KAFKA_SASL_PASSWORD'),
      })
    : undefined;

  const openApi = typeof definition.openApi === 'function' ? definition.openApi(config) : definition.openApi;
  const api = createApi(openApi);
  const { app, finish } = createHttpApp({
    declaration,
    logger,
    metrics,
    openApi,
    readiness,
    isShuttingDown: () => shuttingDown,
  });
  const context: ServiceContext = {
    declaration,
    config,
    logger,
    metrics,
    get pool(): Pool {
      if (!pool) throw new Error(`${declaration.name} does not declare a PostgreSQL dependency`);
      return pool;
    },
    kafka,
    get idempotency(): IdempotentWriter {
      if (!idempotency) throw new Error(`${declaration.name} declares no database schema for idempotency keys`);
      return idempotency;
    },
    api,
    addReadinessCheck: (check) => void readiness.push(check),
    onShutdown: (hook) => void hooks.push(hook),
  };
  await definition.setup(context);
  app.use(api.router);
  finish();

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.string('HOST'));
    s.once('listening', () => resolve(s));
    s.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new ConfigError('PORT', `port ${config.port} is already in use`) : error);
    });
  });
  server.on('clientError', answerClientError);
  // Slow clients must not hold sockets forever (and must not hang shutdown).
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  const port = (server.address() as AddressInfo).port;
  const host = config.string('HOST') === '0.0.0.0' ? '127.0.0.1' : config.string('HOST');
  logger.info('listening', { port, host: config.string('HOST') });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      shuttingDown = true;
      logger.info('shutting down');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
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
