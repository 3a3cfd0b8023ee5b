import { setTimeout as sleep } from 'node:timers/promises';
import { http } from '@ticketing/platform/testing';

/**
 * `http`, as a careful client calls: a 503 (which always says Retry-After)
 * is retried until the service gives a final answer. Contended onsale tests
 * use it, since a request queued too long for a row lock or a connection is
 * told to come back rather than left waiting.
 */
export async function httpUntilAnswered(...args: Parameters<typeof http>): ReturnType<typeof http> {
  for (let attempt = 1; ; attempt++) {
    const res = await http(...args);
    if (res.status !== 503 || attempt === 30) return res;
    const retryAfter = Number(res.headers.get('retry-after'));
    if (!Number.isFinite(retryAfter)) throw new Error(`503 without Retry-After: ${JSON.stringify(res.body)}`);
    // Sooner than told (tests are short), but never in a tight loop.
    await sleep(Math.min(500, retryAfter * 1000) + Math.random() * 200);
  }
}
