import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from './log.js';

export type Pool = pg.Pool;
export type Tx = pg.PoolClient;

export function createPool(connectionString: string, max: number, logger: Logger): Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    // Fail fast instead of queueing forever when the database is unreachable.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A runaway statement must not hold row locks for long.
    statement_timeout: 15_000,
  });
  // An idle client losing its connection must not crash the process.
  pool.on('error', (error) => logger.warn('idle database connection failed', { error }));
  return pool;
}

/** SQLSTATEs worth retrying the whole transaction for. */
const retryable = new Set(['40001', '40P01']);

/**
 * Runs `work` in one transaction (READ COMMITTED unless told otherwise),
 * retrying on serialization failures and deadlocks.
 */
export async function withTransaction<T>(pool: Pool, work: (tx: Tx) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const tx = await pool.connect();
    try {
      await tx.query('BEGIN');
      const result = await work(tx);
      await tx.query('COMMIT');
      return result;
    } catch (error) {
      await tx.query('ROLLBACK').catch(() => undefined);
      const code = (error as { code?: string }).code;
      if (code && retryable.has(code) && attempt < attempts) continue;
      throw error;
    } finally {
      tx.release();
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
export async function migrate(pool: Pool, schema: string, sources: { prefix: string; dir: string }[], logger: Logger): Promise<string[]> {
  const files: { name: string; file: string }[] = [];
  for (const { prefix, dir } of sources) {
    for (const f of (await readdir(dir)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort()) {
      files.push({ name: `${prefix}/${f}`, file: path.join(dir, f) });
    }
  }
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${pgIdent(schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${pgIdent(schema)}.schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set(
      (await client.query<{ name: string }>(`SELECT name FROM ${pgIdent(schema)}.schema_migrations`)).rows.map((r) => r.name),
    );
    for (const { name, file } of files) {
      if (done.has(name)) continue;
      const sql = await readFile(file, 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL search_path TO ${pgIdent(schema)}, public`);
        await client.query(sql);
        await client.query(`INSERT INTO ${pgIdent(schema)}.schema_migrations (name) VALUES ($1)`, [name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${schema}:${name} failed: ${(error as Error).message}`);
      }
      applied.push(name);
      logger.info('migration applied', { schema, migration: name });
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`migrate:${schema}`]).catch(() => undefined);
    client.release();
  }
  return applied;
}

/** Quotes a trusted identifier (schema names come from code, never from input). */
export function pgIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a safe identifier: ${name}`);
  return `"${name}"`;
}
