import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type pg from 'pg';
import { databaseErrorReasons } from './database-errors.js';
/** A problem response as sent: `type` is the problem's slug (e.g. `seats-unavailable`). */
export interface AnsweredProblem {
  method: string;
  route: string;
  status: number;
  type: string;
}

/** What a service hears about every problem it answers (e.g. to count business rejections). */
export type ProblemListener = (answered: AnsweredProblem) => void;

/** Route label for requests no route matched: raw paths would make cardinality unbounded. */
export const unmatchedRoute = 'unmatched';

/**
 * One registry per service process; every series carries `service`. The names
 * are the contract the dashboards, alerts and the prometheus-adapter rule are
 * written against (see docs/metrics.md): change them together.
 */
/** The HTTP request counter every service exports; the HPA's custom metric is its rate (charts/settings.ts). */
export const httpRequestsCounterName = 'http_requests_total';

export function createMetrics(service: string, options: { producesTopics?: readonly string[] } = {}) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const httpRequests = new Counter({
    name: httpRequestsCounterName,
    help: 'HTTP requests served, by route template, method and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency, by route template and method.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const httpProblems = new Counter({
    name: 'http_problems_total',
    help: 'Problem responses answered, by route template and problem type (slug).',
    labelNames: ['route', 'type'] as const,
    registers: [registry],
  });
  const dbErrors = new Counter({
    name: 'db_errors_total',
    help: 'Requests failed because the database could not serve them (answered 503), by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  // Known label values start at 0, so rate() and absence checks work before the first failure.
  for (const reason of databaseErrorReasons) dbErrors.inc({ reason }, 0);
  const kafkaProduceErrors = new Counter({
    name: 'kafka_produce_errors_total',
    help: 'Failed attempts to produce to Kafka, by topic.',
    labelNames: ['topic'] as const,
    registers: [registry],
  });
  for (const topic of options.producesTopics ?? []) kafkaProduceErrors.inc({ topic }, 0);

  const problemListeners: ProblemListener[] = [];
  return {
    registry,
    httpRequests,
    httpDuration,
    dbErrors,
    kafkaProduceErrors,
    /** Records a problem answered on `route` and tells the listeners. */
    problemAnswered(answered: AnsweredProblem): void {
      httpProblems.inc({ route: answered.route, type: answered.type });
      for (const listener of problemListeners) listener(answered);
    },
    onProblem(listener: ProblemListener): void {
      problemListeners.push(listener);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Pool gauges read from pg's own counters on scrape, and the time callers wait
 * for a connection (pool.connect, and pool.query, which connects through it).
 */
export function instrumentPool(pool: pg.Pool, registry: Registry): void {
  new Gauge({
    name: 'db_pool_connections',
    help: 'Connections of the pool: in_use (checked out), idle, waiting (callers queued for a connection).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  const acquire = new Histogram({
    name: 'db_pool_acquire_duration_seconds',
    help: 'Time waiting for a pool connection (until one is handed out or the wait fails).',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  type Done = (release?: unknown) => void;
  type Callback = (error: Error | undefined, client: pg.PoolClient | undefined, done: Done) => void;
  const connect = pool.connect.bind(pool) as (callback?: Callback) => Promise<pg.PoolClient> | void;
  // pg-pool's query() calls this.connect(callback): one wrapper times both.
  (pool as { connect: unknown }).connect = (callback?: Callback) => {
    const end = acquire.startTimer();
    if (callback) {
      return connect((error, client, done) => {
        end();
        callback(error, client, done);
      });
    }
    return (connect() as Promise<pg.PoolClient>).finally(() => end());
  };
}

/** The metric `name` of the registry, created once: several consumers in one process report through the same series. */
function shared<M extends Counter<string> | Gauge<string>>(registry: Registry, name: string, create: (name: string) => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create(name);
}

/** Counters and gauges every Kafka consumer reports, through one helper, labelled by topic and group. */
export function createConsumerMetrics(registry: Registry) {
  const messages = shared(
    registry,
    'kafka_consumer_messages_total',
    (name) =>
      new Counter({
        name,
        help: 'Messages a consumer handled, by topic, group and outcome (processed, duplicate, failed, dead_lettered).',
        labelNames: ['topic', 'group', 'outcome'] as const,
        registers: [registry],
      }),
  );
  const lag = shared(
    registry,
    'kafka_consumer_lag',
    (name) =>
      new Gauge({
        name,
        help: 'Messages between the consumer position and the end of the partition (high watermark - 1 - last offset handled).',
        labelNames: ['topic', 'group', 'partition'] as const,
        registers: [registry],
      }),
  );
  /** The last offset handled, per partition this process owns and reports a lag for. */
  const handled = new Map<number, string>();
  const report = (topic: string, group: string, partition: number, end: string, offset: string) =>
    lag.set({ topic, group, partition: String(partition) }, Math.max(0, Number(BigInt(end) - 1n - BigInt(offset))));
  return {
    /** Starts the outcome counters of a subscription at 0. */
    subscribed(topic: string, group: string): void {
      for (const outcome of consumerOutcomes) messages.inc({ topic, group, outcome }, 0);
    },
    handled(topic: string, group: string, outcome: ConsumerOutcome): void {
      messages.inc({ topic, group, outcome });
    },
    /** After a rebalance: partitions this process no longer owns stop reporting a lag. */
    assigned(topic: string, group: string, partitions: readonly number[]): void {
      const owned = new Set(partitions);
      for (const partition of handled.keys()) {
        if (owned.has(partition)) continue;
        lag.remove({ topic, group, partition: String(partition) });
        handled.delete(partition);
      }
    },
    /** From a kafkajs batch: `highWatermark` is the next offset to be written, `offset` the one just handled. */
    position(topic: string, group: string, partition: number, highWatermark: string, offset: string): void {
      handled.set(partition, offset);
      report(topic, group, partition, highWatermark, offset);
    },
    /** The partitions' ends read afresh (`high`: the next offset to be written): the lag of each partition handled so far. */
    ends(topic: string, group: string, ends: readonly { partition: number; high: string }[]): void {
      for (const { partition, high } of ends) {
        const offset = handled.get(partition);
        if (offset !== undefined) report(topic, group, partition, high, offset);
      }
    },
    /** Whether any owned partition has a lag to report. */
    get reporting(): boolean {
      return handled.size > 0;
    },
  };
}

export const consumerOutcomes = ['processed', 'duplicate', 'failed', 'dead_lettered'] as const;
export type ConsumerOutcome = (typeof consumerOutcomes)[number];
export type ConsumerMetrics = ReturnType<typeof createConsumerMetrics>;
