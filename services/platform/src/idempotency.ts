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
 * What work spanning several transactions (it calls out between them, as
 * checkout calls the payment provider) does with the request's
 * Idempotency-Key, so the key costs no commits of its own.
 */
export interface KeyInTransactions {
  /**
   * In the work's first transaction, before any outside call. From its commit
   * on, a retry finds the key in flight (409); if another request has the key,
   * this throws and the transaction rolls back (that request's outcome, or
   * 422, is the answer).
   */
  claim(tx: Tx): Promise<void>;
  /**
   * In the work's last transaction: records the outcome `answer()` gives (a
   * 4xx it throws too) with it. Called in a transaction that rolls back, the
   * work must call it again in the one that replaces it; not called, the
   * outcome is recorded right after the work.
   */
  record(tx: Tx, answer: () => WriteResult): Promise<void>;
}

/** Thrown in a write's transaction whose key another request has: rolls the write back. */
class KeyTaken extends Error {}

/**
 * Runs writes so that retries are safe. Without an Idempotency-Key the work
 * simply runs. With one:
 *  - the response is recorded under the key in the SAME transaction as the
 *    work (its last one), so a recorded response exists exactly when the
 *    effect happened, and a retry or a twin gets that response;
 *  - another body under the same key is refused with 422, and changes nothing;
 *  - a 4xx outcome is recorded too (same request, same answer); an unexpected
 *    failure leaves the key free so the client can retry.
 */
export function createIdempotentWriter(settings: IdempotencyOptions) {
  const { pool } = settings;
  const table = `${pgIdent(settings.schema)}.idempotency_keys`;
  const lockSeconds = settings.lockSeconds ?? defaultLockSeconds;

  /**
   * Writes the key's record, `done` with `result` or (without one) `in_flight`;
   * over an expired record, or over this request's own claim. False when a
   * live record of another request has the key.
   */
  async function upsert(db: Pool | Tx, principal: string, key: string, hash: string, result: WriteResult | undefined): Promise<boolean> {
    const { rowCount } = await db.query({
      // Named: prepared once per connection, as it runs with every keyed write.
      name: `${settings.schema}:record-idempotency-key`,
      text: `INSERT INTO ${table} AS k (principal, key, request_hash, status, response_status, response_body, locked_until, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, now() + make_interval(secs => $7), now() + make_interval(hours => $8))
       ON CONFLICT (principal, key) DO UPDATE
          SET request_hash = EXCLUDED.request_hash, status = EXCLUDED.status, response_status = EXCLUDED.response_status,
              response_body = EXCLUDED.response_body, locked_until = EXCLUDED.locked_until, created_at = now(), expires_at = EXCLUDED.expires_at
        WHERE k.expires_at <= now()
           OR (k.status = 'in_flight' AND k.request_hash = EXCLUDED.request_hash AND ($4 = 'done' OR k.locked_until <= now()))`,
      values: [
        principal,
        key,
        hash,
        result ? 'done' : 'in_flight',
        result?.status ?? null,
        result ? JSON.stringify(result.body ?? null) : null,
        result ? 0 : lockSeconds,
        settings.ttlHours,
      ],
    });
    return rowCount === 1;
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
   * Frees a key still in flight so the client can retry. When the database is
   * what failed, the delete is retried in the background until it is back
   * (bounded by the lock time, after which the key frees itself): otherwise
   * every retry after a database blip is refused as in flight for that long.
   */
  function release(principal: string, key: string, hash: string): Promise<void> {
    const giveUpAt = Date.now() + lockSeconds * 1000;
    const attempt = (): Promise<void> =>
      pool.query(`DELETE FROM ${table} WHERE principal = $1 AND key = $2 AND status = 'in_flight' AND request_hash = $3`, [principal, key, hash]).then(
        () => undefined,
        () => {
          if (Date.now() < giveUpAt) setTimeout(() => void attempt(), 500).unref();
        },
      );
    return attempt();
  }

  /** Answers with a write's outcome; `replayed`: the outcome recorded under its key by an earlier request. */
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

  /** A refusal as the outcome recorded for it; undefined for anything else (a 5xx, a bug: not an answer to keep). */
  const refusalOf = (req: Request, error: unknown): WriteResult | undefined =>
    error instanceof HttpProblem && error.status < 500 ? { status: error.status, body: error.toBody(req.originalUrl) } : undefined;

  /**
   * After the work failed: a refusal is recorded and answered, unless the key
   * turns out to be another request's (a twin or earlier attempt, whose
   * seats may be why this one was refused): then that one's outcome is the answer.
   */
  async function answerFailure(req: Request, res: Response, principal: string, keyed: { key: string; hash: string }, error: unknown): Promise<void> {
    const refusal = refusalOf(req, error);
    if (!(error instanceof KeyTaken) && !refusal) throw error;
    // Recording a refusal may fail with the database: the answer still stands.
    if (refusal && (await upsert(pool, principal, keyed.key, keyed.hash, refusal).catch(() => true))) return send(res, refusal, false);
    send(res, await recorded(principal, keyed.key, keyed.hash), true);
  }

  /**
   * Runs `work` in one transaction that also records its response under the
   * request's key, in one statement at its end: no claim of its own, no extra
   * commit. A twin sent at once waits on that record (or on the rows the first
   * locked), then is rolled back and answered with the first's outcome.
   * Resolves to true when this request's work committed (false: replayed or
   * refused), so a route acts after commit only on its own effects.
   */
  async function run(req: Request, res: Response, principal: string, work: (tx: Tx) => Promise<WriteResult>): Promise<boolean> {
    const keyed = keyOf(req);
    if (!keyed) {
      send(res, await withTransaction(pool, work), false);
      return true;
    }
    let outcome: WriteResult;
    try {
      outcome = await withTransaction(pool, async (tx) => {
        const result = await work(tx);
        if (!(await upsert(tx, principal, keyed.key, keyed.hash, result))) throw new KeyTaken();
        return result;
      });
    } catch (error) {
      await answerFailure(req, res, principal, keyed, error);
      return false;
    }
    send(res, outcome, false);
    return true;
  }

  /**
   * For work that calls out between its transactions (payment), so it cannot
   * be one: with a key, it gets `KeyInTransactions` and must claim the key in
   * its first transaction; the outcome is recorded in its last one, or right
   * after it. Such work must itself find what an earlier attempt did (checkout
   * attaches to its payment, answers the booking it made): if recording fails
   * after the effect happened, the outcome is still answered and the key freed,
   * so a retry runs the work again rather than being told 500 or 409.
   */
  async function runOutsideTransaction(
    req: Request,
    res: Response,
    principal: string,
    work: (key: KeyInTransactions | undefined) => Promise<WriteResult>,
  ): Promise<void> {
    const keyed = keyOf(req);
    if (!keyed) return send(res, await work(undefined), false);
    const { key, hash } = keyed;
    let claimed = false;
    let recordedInWork = false;
    const inTransactions: KeyInTransactions = {
      async claim(tx) {
        if (!(await upsert(tx, principal, key, hash, undefined))) throw new KeyTaken();
        claimed = true;
      },
      async record(tx, answer) {
        let result: WriteResult | undefined;
        try {
          result = answer();
        } catch (error) {
          result = refusalOf(req, error);
          if (!result) return; // not an answer to keep: the key is freed after the work
        }
        await upsert(tx, principal, key, hash, result);
        recordedInWork = true;
      },
    };
    let outcome: WriteResult;
    try {
      outcome = await work(inTransactions);
      if (!claimed) throw new Error('work run with an Idempotency-Key never claimed it');
    } catch (error) {
      const refusal = refusalOf(req, error);
      // Recorded with the transaction that settled it: answered as recorded.
      if (recordedInWork && refusal) return send(res, refusal, false);
      if (!refusal && !(error instanceof KeyTaken)) await release(principal, key, hash);
      return answerFailure(req, res, principal, keyed, error);
    }
    if (!recordedInWork) await upsert(pool, principal, key, hash, outcome).catch(() => release(principal, key, hash));
    send(res, outcome, false);
  }

  /** Deletes keys past their retention; returns how many. */
  async function purgeExpired(): Promise<number> {
    const { rowCount } = await pool.query(`DELETE FROM ${table} WHERE expires_at <= now()`);
    return rowCount ?? 0;
  }

  return { run, runOutsideTransaction, purgeExpired };
}

export type IdempotentWriter = ReturnType<typeof createIdempotentWriter>;
