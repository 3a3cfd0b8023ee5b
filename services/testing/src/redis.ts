/** The Redis `npm test` started (or the one TEST_REDIS_URL names). */
export function testRedisUrl(): string {
  const url = process.env['TEST_REDIS_URL'];
  if (!url) throw new Error('TEST_REDIS_URL is not set: run tests through `npm test`, which starts Redis');
  return url;
}
