import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { isBrokenConnectionError, isTransientDatabaseError, transactionConflictCodes } from './database-errors.js';
import type { Logger } from './log.js';

export * from './database-errors.js';

export type Pool = pg.Pool;
export type Tx = pg.PoolClient;

/** Session limits every connection of a service gets (the DATABASE_* settings). */
export interface PoolTimeouts {
  /** Longest wait for a free connection before the request fails with 503. */
  connectMs: number;
  /** A runaway statement must not hold row locks for long. */
  statementMs: number;
  /** Longest wait for a row lock: one stuck transaction must not stall everyone. */
  lockMs: number;
  /** A transaction left idle (a bug, a stalled request) is ended by the server. */
  idleInTransactionMs: number;
}

export const defaultPoolTimeouts: PoolTimeouts = { connectMs: 2_000, statementMs: 10_000, lockMs: 2_000, idleInTransactionMs: 15_000 };

/** The pool limits a service declared (databaseEnv), as parsed at start. */
export function poolTimeoutsFrom(config: { integer(name: string): number }): PoolTimeouts {
  return {
    connectMs: config.integer('DATABASE_CONNECT_TIMEOUT_MS'),
    statementMs: config.integer('DATABASE_STATEMENT_TIMEOUT_MS'),
    lockMs: config.integer('DATABASE_LOCK_TIMEOUT_MS'),
    idleInTransactionMs: config.integer('DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS'),
  };
}

export function createPool(connectionString: string, max: number, logger: Logger, timeouts: Partial<PoolTimeouts> = {}): Pool {
  const t = { ...defaultPoolTimeouts, ...timeouts };
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: t.connectMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: t.statementMs,
    lock_timeout: t.lockMs,
    idle_in_transaction_session_timeout: t.idleInTransactionMs,
    // The server answers within statement_timeout; silence beyond that means
    // the connection died without a reset (partition, lost node): give up and
    // discard it rather than hang the request for ever.
    query_timeout: t.statementMs + 2_000,
  });
  // An idle client losing its connection must not crash the process.
  pool.on('error', (error) => logger.warn('idle database connection failed', { error: (error as Error).message }));
  // A checked-out client has no pool listener: without this one, a connection
  // breaking mid-request (server restart, pg_terminate_backend) is an
  // unhandled 'error' event that kills the process. The failed query rejects
  // on its own; the holder releases the client as broken.
  pool.on('connect', (client) => {
    client.on('error', (error) => logger.debug('database connection failed', { error: error.message }));
  });
  return pool;
}

/** Returns a client to its pool, discarding it when `error` says its connection is broken. */
export function releaseClient(client: pg.PoolClient, error?: unknown): void {
  client.release(error !== undefined && isBrokenConnectionError(error) ? (error as Error) : undefined);
}

/**
 * Runs `work` in one transaction (READ COMMITTED unless told otherwise),
 * retrying on serialization failures and deadlocks.
 */
export async function withTransaction<T>(pool: Pool, work: (tx: Tx) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const tx = await pool.connect();
    let failure: unknown;
    try {
      await tx.query('BEGIN');
      const result = await work(tx);
      await tx.query('COMMIT');
      return result;
    } catch (error) {
      failure = error;
      // A failed ROLLBACK means the connection is gone: discard it.
      if (!isBrokenConnectionError(error)) await tx.query('ROLLBACK').catch((rollbackError: unknown) => void (failure = rollbackError));
      const code = (error as { code?: string }).code;
      if (code && transactionConflictCodes.has(code) && attempt < attempts) continue;
      throw error;
    } finally {
      releaseClient(tx, failure);
    }
  }
}

/**
 * Runs `work` until it succeeds, retrying while the database is unavailable
 * (starting up, restarting, refusing connections) for at most `forMs`: a
 * replica started during a database failover waits instead of crash-looping.
 */
export async function retryWhileUnavailable<T>(work: () => Promise<T>, logger: Logger, what: string, forMs = 30_000): Promise<T> {
  const deadline = Date.now() + forMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isTransientDatabaseError(error) || Date.now() >= deadline) throw error;
      logger.warn(`${what}: database unavailable; retrying`, { error: (error as Error).message, attempt });
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** attempt)));
    }
  }
}

/** The migrations every service schema gets (e.g. idempotency keys). */
export const platformMigrations = { prefix: 'platform', dir: new URL('../migrations', import.meta.url).pathname };

/**
 * Applies `NNN_name.sql` files from each source dir in order, once each,
 * recorded as `<prefix>/<file>` in `<schema>.schema_migrations`. An advisory lock lets many replicas start at
 * once: one migrates, the others wait and then find nothing to do.
 */
/** The longest timer Node allows: pg has no per-query "off" for query_timeout. */
const unbounded = 2 ** 31 - 1;

export async function migrate(pool: Pool, schema: string, sources: { prefix: string; dir: string }[], logger: Logger): Promise<string[]> {
  const files: { name: string; file: string }[] = [];
  for (const { prefix, dir } of sources) {
    for (const f of (await readdir(dir)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort()) {
      files.push({ name: `${prefix}/${f}`, file: path.join(dir, f) });
    }
  }
  const client = await pool.connect();
  const applied: string[] = [];
  let failure: unknown;
  try {
    // Waiting for another replica's migrations, and a migration's own DDL
    // (an index on a big table), may take longer than a request may: migrations
    // run before the service serves, so this session is not bounded.
    await client.query('SET lock_timeout = 0; SET statement_timeout = 0');
    await client.query({ text: 'SELECT pg_advisory_lock(hashtext($1))', values: [`migrate:${schema}`], query_timeout: unbounded } as pg.QueryConfig);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${pgIdent(schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${pgIdent(schema)}.schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set((await client.query<{ name: string }>(`SELECT name FROM ${pgIdent(schema)}.schema_migrations`)).rows.map((r) => r.name));
    for (const { name, file } of files) {
      if (done.has(name)) continue;
      const sql = await readFile(file, 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL search_path TO ${pgIdent(schema)}, public`);
        await client.query({ text: sql, query_timeout: unbounded } as pg.QueryConfig);
        await client.query(`INSERT INTO ${pgIdent(schema)}.schema_migrations (name) VALUES ($1)`, [name]);
        await client.query('COMMIT');
      } catch (error) {
        if (isBrokenConnectionError(error)) throw error;
        await client.query('ROLLBACK');
        throw new Error(`migration ${schema}:${name} failed: ${(error as Error).message}`);
      }
      applied.push(name);
      logger.info('migration applied', { schema, migration: name });
    }
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`migrate:${schema}`]).catch((error: unknown) => void (failure ??= error));
    releaseClient(client, failure);
  }
  return applied;
}

/** Quotes a trusted identifier (schema names come from code, never from input). */
export function pgIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a safe identifier: ${name}`);
  return `"${name}"`;
}
