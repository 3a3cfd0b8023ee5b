import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { ServiceConfig } from './config.js';
import { pgIdent, withTransaction, type Pool, type Tx } from './db.js';
import { HttpProblem, problems } from './problem.js';
import { noteProblem } from './http.js';

/** What a write handler answers; stored for replay when a key was given. */
export interface WriteResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** What an Idempotency-Key may be: 1 to 255 visible ASCII characters. The API documents state this schema. */
export const idempotencyKeySchema = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' } as const;
const idempotencyKeyPattern = new RegExp(idempotencyKeySchema.pattern);

/** How long a service keeps Idempotency-Keys (and their responses). */
export const idempotencyKeyTtlHours = (config: ServiceConfig): number => config.integer('IDEMPOTENCY_KEY_TTL_HOURS');

/** How a keyed write behaves, for the API documents; `ttlHours` is the service's IDEMPOTENCY_KEY_TTL_HOURS. */
export function describeIdempotencyKey(ttlHours: number): string {
  return (
    `Makes the write safe to retry: same key and body replay the first response for ${ttlHours} h; ` +
    'another body with the same key gets 422; a retry while the first is still running gets its answer once it finishes (409 instead where the write calls out, as checkout does).'
  );
}

export interface IdempotencyOptions {
  pool: Pool;
  schema: string;
  ttlHours: number;
  /** How long an in-flight key blocks retries before a crashed attempt is taken over. @default defaultLockSeconds */
  lockSeconds?: number;
}

/**
 * A request is cut off after 30 s (the server's requestTimeout), so a key
 * still in flight after that, plus a margin, belongs to an attempt that died.
 * A live attempt overtaken by a retry is safe: writes in one transaction
 * serialize on the key row, and checkout attaches to its own payment.
 */
export const defaultLockSeconds = 35;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Runs a write so that retries are safe. Without an Idempotency-Key the work
 * simply runs in a transaction. With one:
 *  - the key is claimed first (committed on its own) so a concurrent retry sees it in flight (409);
 *  - the response is stored in the SAME transaction as the work, so a stored
 *    response exists exactly when the effect happened;
 *  - a 4xx outcome is stored too (same request, same answer); an unexpected
 *    failure frees the key so the client can retry.
 */
export function createIdempotentWriter(settings: IdempotencyOptions) {
  const { pool } = settings;
  const table = `${pgIdent(settings.schema)}.idempotency_keys`;
  const lockSeconds = settings.lockSeconds ?? defaultLockSeconds;

  async function claim(principal: string, key: string, hash: string): Promise<WriteResult | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await pool.query(
        `INSERT INTO ${table} (principal, key, request_hash, status, locked_until, expires_at)
         VALUES ($1, $2, $3, 'in_flight', now() + make_interval(secs => $4), now() + make_interval(hours => $5))
         ON CONFLICT (principal, key) DO NOTHING`,
        [principal, key, hash, lockSeconds, settings.ttlHours],
      );
      if (inserted.rowCount === 1) return undefined;
      const { rows } = await pool.query<{
        request_hash: string;
        status: string;
        response_status: number | null;
        response_body: unknown;
        expired: boolean;
        lock_expired: boolean;
      }>(
        `SELECT request_hash, status, response_status, response_body,
                expires_at <= now() AS expired, locked_until <= now() AS lock_expired
           FROM ${table} WHERE principal = $1 AND key = $2`,
        [principal, key],
      );
      const row = rows[0];
      if (!row) continue; // purged in between; try to insert again
      if (row.expired) {
        await pool.query(`DELETE FROM ${table} WHERE principal = $1 AND key = $2 AND expires_at <= now()`, [principal, key]);
        continue;
      }
      if (row.request_hash !== hash) {
        throw problems.unprocessable('idempotency-key-reused', 'Idempotency-Key reused', 'this Idempotency-Key was already used with a different request');
      }
      if (row.status === 'done') return { status: row.response_status ?? 200, body: row.response_body };
      if (!row.lock_expired) {
        throw problems.conflict(
          'idempotency-key-in-flight',
          'Request in progress',
          'a request with this Idempotency-Key is still being processed; retry shortly',
        );
      }
      // The first attempt died mid-flight (its transaction rolled back): take over.
      const taken = await pool.query(
        `UPDATE ${table} SET locked_until = now() + make_interval(secs => $3)
          WHERE principal = $1 AND key = $2 AND status = 'in_flight' AND locked_until <= now()`,
        [principal, key, lockSeconds],
      );
      if (taken.rowCount === 1) return undefined;
    }
    throw problems.conflict('idempotency-key-in-flight', 'Request in progress', 'a request with this Idempotency-Key is still being processed; retry shortly');
  }

  async function store(db: Pool | Tx, principal: string, key: string, result: WriteResult): Promise<void> {
    await db.query(`UPDATE ${table} SET status = 'done', response_status = $3, response_body = $4::jsonb WHERE principal = $1 AND key = $2`, [
      principal,
      key,
      result.status,
      JSON.stringify(result.body ?? null),
    ]);
  }

  /**
   * Frees a key still in flight so the client can retry. When the database is
   * what failed, the delete is retried in the background until it is back
   * (bounded by the lock time, after which the key frees itself): otherwise
   * every retry after a database blip is refused as in flight for that long.
   */
  function release(principal: string, key: string): Promise<void> {
    const giveUpAt = Date.now() + lockSeconds * 1000;
    const attempt = (): Promise<void> =>
      pool.query(`DELETE FROM ${table} WHERE principal = $1 AND key = $2 AND status = 'in_flight'`, [principal, key]).then(
        () => undefined,
        () => {
          if (Date.now() < giveUpAt) setTimeout(() => void attempt(), 500).unref();
        },
      );
    return attempt();
  }

  /** Stores an outcome already decided; if that fails the answer still stands and the key is freed for a retry. */
  async function storeOrRelease(principal: string, key: string, outcome: WriteResult): Promise<void> {
    await store(pool, principal, key, outcome).catch(() => release(principal, key));
  }

  /** Answers with a write's outcome; `replayed`: the outcome stored under its key by an earlier request. */
  function send(res: Response, result: WriteResult, replayed: boolean): void {
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
    if (result.status >= 400) {
      noteProblem(
        res,
        String((result.body as { type?: unknown }).type ?? '')
          .split('/')
          .pop() ?? '',
      );
      res.status(result.status).type('application/problem+json').send(JSON.stringify(result.body));
    } else res.status(result.status).json(result.body);
  }

  /** The request's Idempotency-Key (checked) and the hash of what it asks, or undefined without a key. */
  function keyOf(req: Request): { key: string; hash: string } | undefined {
    const key = req.get('idempotency-key');
    if (key === undefined) return undefined;
    const { minLength, maxLength } = idempotencyKeySchema;
    if (key.length < minLength || key.length > maxLength || !idempotencyKeyPattern.test(key)) {
      throw problems.badRequest(`Idempotency-Key must be ${minLength} to ${maxLength} visible ASCII characters`);
    }
    const hash = createHash('sha256')
      .update(`${req.method} ${req.originalUrl.split('?')[0]} ${canonical(req.body)}`)
      .digest('hex');
    return { key, hash };
  }

  /** A problem as the outcome it is stored as. */
  const refusalOf = (req: Request, error: HttpProblem): WriteResult => ({ status: error.status, body: error.toBody(req.originalUrl) });

  /**
   * Records a finished request under its key (taking over an expired record);
   * false when a live record already has the key: another request with it
   * finished first.
   */
  async function record(db: Pool | Tx, principal: string, key: string, hash: string, result: WriteResult): Promise<boolean> {
    const { rowCount } = await db.query(
      `INSERT INTO ${table} AS k (principal, key, request_hash, status, response_status, response_body, locked_until, expires_at)
       VALUES ($1, $2, $3, 'done', $4, $5::jsonb, now(), now() + make_interval(hours => $6))
       ON CONFLICT (principal, key) DO UPDATE
          SET request_hash = EXCLUDED.request_hash, status = 'done', response_status = EXCLUDED.response_status, response_body = EXCLUDED.response_body,
              locked_until = EXCLUDED.locked_until, created_at = now(), expires_at = EXCLUDED.expires_at
        WHERE k.expires_at <= now()`,
      [principal, key, hash, result.status, JSON.stringify(result.body ?? null), settings.ttlHours],
    );
    return rowCount === 1;
  }

  /** Thrown in a write's transaction whose key another request recorded first: rolls the write back. */
  class KeyTaken extends Error {}

  /**
   * Runs `work` in one transaction that also records its response under the
   * request's Idempotency-Key (if any), in one statement at its end: no claim
   * of its own, no extra commit. A request whose key another one recorded
   * first (a retry, or a twin sent at once, which the first one's locks made
   * wait) is rolled back and answered with that one's stored outcome; with
   * another body under the key, 422. A refusal (4xx) is recorded too: same
   * request, same answer. Resolves to true when this request's work committed
   * (false: replayed or refused), so a route acts after commit only on its own effects.
   */
  async function run(req: Request, res: Response, principal: string, work: (tx: Tx) => Promise<WriteResult>): Promise<boolean> {
    const keyed = keyOf(req);
    if (!keyed) {
      send(res, await withTransaction(pool, work), false);
      return true;
    }
    const { key, hash } = keyed;
    let outcome: WriteResult;
    try {
      outcome = await withTransaction(pool, async (tx) => {
        const result = await work(tx);
        if (!(await record(tx, principal, key, hash, result))) throw new KeyTaken();
        return result;
      });
    } catch (error) {
      if (!(error instanceof KeyTaken) && !(error instanceof HttpProblem && error.status < 500)) throw error;
      // A refusal may follow from what a twin with this key did (its seats): then the twin's outcome is the answer.
      const refusal = error instanceof HttpProblem ? refusalOf(req, error) : undefined;
      if (refusal && (await record(pool, principal, key, hash, refusal).catch(() => true))) {
        send(res, refusal, false);
        return false;
      }
      send(res, await recorded(principal, key, hash), true);
      return false;
    }
    send(res, outcome, false);
    return true;
  }

  /** The outcome another request recorded under the key: 422 when that request asked something else, 409 while it is still in flight. */
  async function recorded(principal: string, key: string, hash: string): Promise<WriteResult> {
    const { rows } = await pool.query<{ request_hash: string; status: string; response_status: number | null; response_body: unknown }>(
      `SELECT request_hash, status, response_status, response_body FROM ${table} WHERE principal = $1 AND key = $2`,
      [principal, key],
    );
    const row = rows[0];
    if (row && row.request_hash !== hash) {
      throw problems.unprocessable('idempotency-key-reused', 'Idempotency-Key reused', 'this Idempotency-Key was already used with a different request');
    }
    if (row?.status === 'done') return { status: row.response_status ?? 200, body: row.response_body };
    throw problems.conflict('idempotency-key-in-flight', 'Request in progress', 'a request with this Idempotency-Key is still being processed; retry shortly');
  }

  /**
   * Claims the request's Idempotency-Key (if any), runs `perform` and sends
   * its response. `perform` gets the key and must store the outcome under it.
   */
  async function runClaimed(req: Request, res: Response, principal: string, perform: (key: string | undefined) => Promise<WriteResult>): Promise<void> {
    const keyed = keyOf(req);
    if (!keyed) return send(res, await perform(undefined), false);
    const { key, hash } = keyed;
    const replay = await claim(principal, key, hash);
    if (replay) return send(res, replay, true);
    let result: WriteResult;
    try {
      result = await perform(key);
    } catch (error) {
      if (error instanceof HttpProblem && error.status < 500) {
        const outcome = refusalOf(req, error);
        await storeOrRelease(principal, key, outcome);
        return send(res, outcome, false);
      }
      await release(principal, key);
      throw error;
    }
    send(res, result, false);
  }

  /**
   * For work that spans an outside call (payment) and so manages its own
   * transactions: the response is stored right after it, not atomically with
   * it. Such work must itself find what an earlier attempt did (checkout
   * answers the booking it made), because when the store fails the effect has
   * already happened: the outcome is still answered and the key freed, so a
   * retry runs the work again rather than being told 500 or 409.
   */
  function runOutsideTransaction(req: Request, res: Response, principal: string, work: () => Promise<WriteResult>): Promise<void> {
    return runClaimed(req, res, principal, async (key) => {
      const outcome = await work();
      if (key) {
        await storeOrRelease(principal, key, outcome);
      }
      return outcome;
    });
  }

  /** Deletes keys past their retention; returns how many. */
  async function purgeExpired(): Promise<number> {
    const { rowCount } = await pool.query(`DELETE FROM ${table} WHERE expires_at <= now()`);
    return rowCount ?? 0;
  }

  return { run, runOutsideTransaction, purgeExpired };
}

export type IdempotentWriter = ReturnType<typeof createIdempotentWriter>;
