import type { Pool, ServiceConfig } from '@ticketing/platform';

/**
 * Failed log-ins, counted per email (registered or not: the same counters and
 * answers either way, so they reveal nothing) and per client address, in
 * PostgreSQL so every replica shares them. From `slowdownAfter` failures on,
 * answers are delayed; at the lock threshold the key is locked for
 * `lockSeconds` (429 with Retry-After).
 */
export interface ThrottleSettings {
  windowSeconds: number;
  slowdownAfter: number;
  slowdownStepMs: number;
  accountLockAfter: number;
  ipLockAfter: number;
  lockSeconds: number;
}

export function throttleSettings(config: ServiceConfig): ThrottleSettings {
  return {
    windowSeconds: config.integer('LOGIN_FAILURE_WINDOW_SECONDS'),
    slowdownAfter: config.integer('LOGIN_SLOWDOWN_AFTER_FAILURES'),
    slowdownStepMs: config.integer('LOGIN_SLOWDOWN_STEP_MS'),
    accountLockAfter: config.integer('LOGIN_ACCOUNT_LOCK_AFTER_FAILURES'),
    ipLockAfter: config.integer('LOGIN_IP_LOCK_AFTER_FAILURES'),
    lockSeconds: config.integer('LOGIN_LOCK_SECONDS'),
  };
}

const maxDelayMs = 5000;

export interface LoginAttempt {
  email: string;
  ip: string;
}

/** Seconds until the email or address may try again, or 0. */
export async function lockedSeconds(pool: Pool, attempt: LoginAttempt): Promise<number> {
  const { rows } = await pool.query<{ seconds: number | null }>(
    `SELECT ceil(max(extract(epoch FROM locked_until - now())))::int AS seconds FROM users.login_failures
      WHERE ((scope = 'account' AND key = $1) OR (scope = 'ip' AND key = $2)) AND locked_until > now()`,
    [attempt.email, attempt.ip],
  );
  return Math.max(0, rows[0]?.seconds ?? 0);
}

/**
 * Counts a failure against both keys; returns how long to delay the answer
 * and, when this failure reached a lock threshold, the lock's length.
 */
export async function recordFailure(pool: Pool, settings: ThrottleSettings, attempt: LoginAttempt): Promise<{ delayMs: number; lockedSeconds: number }> {
  // `next` is the count this failure makes: 1 again once the window has passed.
  const next = `CASE WHEN f.window_start < now() - make_interval(secs => $5) THEN 1 ELSE f.failures + 1 END`;
  const lockAfter = `CASE f.scope WHEN 'account' THEN $3::int ELSE $4::int END`;
  const { rows } = await pool.query<{ scope: string; failures: number; locked: boolean }>(
    `INSERT INTO users.login_failures AS f (scope, key, failures, window_start)
     VALUES ('account', $1, 1, now()), ('ip', $2, 1, now())
     ON CONFLICT (scope, key) DO UPDATE SET
       locked_until = CASE WHEN ${next} >= ${lockAfter} THEN now() + make_interval(secs => $6) ELSE f.locked_until END,
       window_start = CASE WHEN ${next} = 1 OR ${next} >= ${lockAfter} THEN now() ELSE f.window_start END,
       failures     = CASE WHEN ${next} >= ${lockAfter} THEN 0 ELSE ${next} END
     RETURNING f.scope, f.failures, f.failures = 0 AS locked`,
    [attempt.email, attempt.ip, settings.accountLockAfter, settings.ipLockAfter, settings.windowSeconds, settings.lockSeconds],
  );
  const locked = rows.some((r) => r.locked);
  const failures = Math.max(...rows.map((r) => (r.scope === 'account' ? r.failures : 0)));
  const beyond = failures - settings.slowdownAfter + 1;
  return { delayMs: beyond > 0 ? Math.min(maxDelayMs, beyond * settings.slowdownStepMs) : 0, lockedSeconds: locked ? settings.lockSeconds : 0 };
}

/** A successful log-in clears the email's count (not the address's: one right password does not excuse a spray). */
export async function clearAccountFailures(pool: Pool, email: string): Promise<void> {
  await pool.query(`DELETE FROM users.login_failures WHERE scope = 'account' AND key = $1 AND (locked_until IS NULL OR locked_until <= now())`, [email]);
}
