import { Redis } from 'ioredis';

/** The Redis `npm test` started (or the one TEST_REDIS_URL names). */
export function testRedisUrl(): string {
  const url = process.env['TEST_REDIS_URL'];
  if (!url) throw new Error('TEST_REDIS_URL is not set: run tests through `npm test`, which starts Redis');
  return url;
}

/** Deletes every key under `prefix:` on the test Redis: a test's keys leave nothing behind on the shared server. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(testRedisUrl());
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>) if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
