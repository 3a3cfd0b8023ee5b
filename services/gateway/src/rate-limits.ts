import type { NextFunction, Request, Response } from 'express';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { HttpProblem } from '@ticketing/platform/problem';
import type { Principal } from '@ticketing/platform/auth';

/** One budget: `points` requests per `windowSeconds`, counted per key. */
export interface Budget {
  readonly name: string;
  readonly points: number;
  readonly windowSeconds: number;
}

export interface RateLimitOptions {
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly perIp: Budget;
  readonly perClient: Budget;
  /** Stricter budget for the requests `isStrict` picks (hold creation), per client or IP. */
  readonly strict: Budget & { readonly applies: (req: Request) => boolean };
}

/**
 * Shared counters in Redis, so every gateway replica enforces one budget.
 * Keys carry the budget name; a Redis outage falls back to per-process
 * counters (rate-limiter-flexible's insurance limiter) rather than failing
 * every request or letting every request through.
 */
function limiter(redis: Redis, keyPrefix: string, budget: Budget) {
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${keyPrefix}:${budget.name}`,
    points: budget.points,
    duration: budget.windowSeconds,
    insuranceLimiter: new RateLimiterMemory({ points: budget.points, duration: budget.windowSeconds }),
  });
}

/** draft-ietf-httpapi-ratelimit-headers (draft 6, the form most clients read): the tightest budget that applied. */
function setHeaders(res: Response, budget: Budget, state: RateLimiterRes): void {
  res.setHeader('RateLimit-Policy', `${budget.points};w=${budget.windowSeconds}`);
  res.setHeader('RateLimit-Limit', String(budget.points));
  res.setHeader('RateLimit-Remaining', String(Math.max(0, state.remainingPoints)));
  res.setHeader('RateLimit-Reset', String(Math.max(1, Math.ceil(state.msBeforeNext / 1000))));
}

export function createRateLimits(options: RateLimitOptions) {
  const perIp = limiter(options.redis, options.keyPrefix, options.perIp);
  const perClient = limiter(options.redis, options.keyPrefix, options.perClient);
  const strict = limiter(options.redis, options.keyPrefix, options.strict);

  /** Middleware; `principal` is the verified caller, if any. */
  return async function rateLimit(req: Request, res: Response, next: NextFunction, principal: Principal | undefined): Promise<void> {
    const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const client = principal ? `sub:${principal.sub}` : `ip:${ip}`;
    const checks: [Budget, RateLimiterRedis, string][] = [[options.perIp, perIp, ip]];
    if (principal) checks.push([options.perClient, perClient, client]);
    if (options.strict.applies(req)) checks.push([options.strict, strict, client]);
    let tightest: [Budget, RateLimiterRes] | undefined;
    for (const [budget, counter, key] of checks) {
      try {
        const state = await counter.consume(key);
        if (!tightest || state.remainingPoints / budget.points < tightest[1].remainingPoints / tightest[0].points) tightest = [budget, state];
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) return next(rejection);
        setHeaders(res, budget, rejection);
        const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        return next(
          new HttpProblem(
            429,
            'rate-limited',
            'Too many requests',
            `the ${budget.name} budget of ${budget.points} requests per ${budget.windowSeconds} s is used up`,
            { budget: budget.name },
            retryAfter,
          ),
        );
      }
    }
    if (tightest) setHeaders(res, ...tightest);
    next();
  };
}
