import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, migrateSchemaOf, testPool } from '@ticketing/testing';
import type pg from 'pg';
import { createAnalyticsDefinition } from '../src/app.js';
import { keepCountedMessageIdsDays, purgeCountedMessageIds } from '../src/stream-job.js';

let db: { url: string; drop(): Promise<void> };
let pool: pg.Pool;
before(async () => {
  db = await createTestDatabase('analytics');
  pool = testPool(db.url);
  await migrateSchemaOf(pool, createAnalyticsDefinition());
});
after(async () => {
  await pool?.end();
  await db?.drop();
});

test('ids of messages counted longer ago than the topic keeps messages are purged; recent ones stay for deduplication', async () => {
  assert.ok(keepCountedMessageIdsDays > 7, 'longer than the retention of ticket-bookings');
  await pool.query(`INSERT INTO analytics.counted_messages (message_id, counted_at) VALUES
    (gen_random_uuid(), now() - interval '9 days'), (gen_random_uuid(), now() - interval '7 days'), (gen_random_uuid(), now())`);
  assert.equal(await purgeCountedMessageIds(pool), 1);
  assert.equal((await pool.query('SELECT count(*)::int AS n FROM analytics.counted_messages')).rows[0].n, 2);
});
