import { problems, type HttpProblem } from './problem.js';

/**
 * What a database failure means for a request: which errors say "the
 * database (or its connection) is unavailable right now, retry" and which
 * mean the connection itself is unusable and must be discarded.
 */

type DbError = { code?: unknown; message?: unknown };

const codeOf = (error: unknown): string => String((error as DbError | undefined)?.code ?? '');
const messageOf = (error: unknown): string => String((error as DbError | undefined)?.message ?? '');

/** Socket-level failures reported by Node for the connection to PostgreSQL. */
const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** pg reports a lost connection and a pool wait without codes, only by message. */
const connectionMessages = [/^Connection terminated/, /not queryable/, /^timeout exceeded when trying to connect/, /^Query read timeout/];

/**
 * True when the connection the error came from can no longer be used:
 * the server went away (admin shutdown, crash, restart) or the socket broke.
 * Such a client must be released as broken (`release(error)`).
 */
export function isBrokenConnectionError(error: unknown): boolean {
  const code = codeOf(error);
  if (socketCodes.has(code)) return true;
  // 08: connection exception; 57P01-57P03: admin/crash shutdown, starting up; 25P03: idle-in-transaction timeout (FATAL).
  if (/^08[0-9A-Z]{3}$/.test(code) || code === '57P01' || code === '57P02' || code === '57P03' || code === '25P03') return true;
  return connectionMessages.some((pattern) => pattern.test(messageOf(error)));
}

/** Serialization failure and deadlock: PostgreSQL failed the transaction so another could go on; running it again may succeed. */
export const transactionConflictCodes: ReadonlySet<string> = new Set(['40001', '40P01']);

/** Why the database could not serve a request: the `reason` of its 503 and the label of db_errors_total. */
export const databaseErrorReasons = ['database_unavailable', 'database_pool_exhausted', 'statement_timeout', 'lock_timeout', 'transaction_conflict'] as const;
export type DatabaseErrorReason = (typeof databaseErrorReasons)[number];

/** Which of the reasons above `error` is, or undefined when it is not an outage of the database. */
export function databaseErrorReason(error: unknown): DatabaseErrorReason | undefined {
  const code = codeOf(error);
  if (code === '55P03') return 'lock_timeout';
  if (code === '57014') return 'statement_timeout';
  // One that withTransaction's attempts did not get past.
  if (transactionConflictCodes.has(code)) return 'transaction_conflict';
  if (/^timeout exceeded when trying to connect/.test(messageOf(error))) return 'database_pool_exhausted';
  // 53: insufficient resources (e.g. too many connections).
  if (isBrokenConnectionError(error) || /^53[0-9A-Z]{3}$/.test(code)) return 'database_unavailable';
  return undefined;
}

/**
 * The 503 (or, for a lock wait, 409-worthy but retryable 503) a request gets
 * when the database cannot serve it now; undefined for any other error.
 */
export function databaseUnavailableProblem(error: unknown): HttpProblem | undefined {
  switch (databaseErrorReason(error)) {
    case 'lock_timeout':
      return problems.unavailable('another request is changing the same records; retry shortly', 1, 'lock_timeout', 'lock-timeout');
    case 'transaction_conflict':
      return problems.unavailable('other requests kept changing the same records; retry shortly', 1, 'transaction_conflict', 'transaction-conflict');
    case 'statement_timeout':
      return problems.unavailable('the database took too long to answer; retry shortly', 2, 'statement_timeout');
    case 'database_pool_exhausted':
      return problems.unavailable('the service is busy; retry shortly', 1, 'database_pool_exhausted');
    case 'database_unavailable':
      return problems.unavailable('the database is unavailable; retry shortly', 5, 'database_unavailable');
    case undefined:
      return undefined;
  }
}

/** True when a request failing with this error should be retried later (503), not reported as a bug. */
export function isTransientDatabaseError(error: unknown): boolean {
  return databaseUnavailableProblem(error) !== undefined;
}
