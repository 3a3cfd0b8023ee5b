import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { consumeTopic, createTestDatabase, migrateCatalogSchema, migrateSchemaOf, testKafkaBrokers, waitUntil } from '@ticketing/testing';
import type pg from 'pg';
import { createAnalyticsDefinition } from '../src/app.js';
import {
  analyticsTopics,
  figuresOf,
  generateMessages,
  insertCatalogEvents,
  latestRevisions,
  produceMessages,
  recountWindows,
  storedWindows,
  testPool,
  waitUntilConsumed,
} from './support.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const partitions = 3;
const { events, messages } = generateMessages(424242, 2000, partitions);
const expected = recountWindows(messages);

/** The analytics service as its own OS process (services/analytics/src/main.ts). */
function startProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', 'services/analytics/src/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  return { child, exited, stderr: () => stderr };
}

const countedSoFar = async (pool: pg.Pool, topic: string) =>
  Number((await pool.query<{ n: string }>('SELECT coalesce(sum(next_offset), 0) AS n FROM analytics.consumer_offsets WHERE topic = $1', [topic])).rows[0]!.n);

let db: { url: string; drop(): Promise<void> };
let pool: pg.Pool;
let running: ReturnType<typeof startProcess> | undefined;

before(async () => {
  db = await createTestDatabase('analytics');
  pool = testPool(db.url);
  await migrateCatalogSchema(pool);
  await migrateSchemaOf(pool, createAnalyticsDefinition());
  await insertCatalogEvents(pool, events);
});
after(async () => {
  running?.child.kill('SIGKILL');
  await running?.exited;
  await pool?.end();
  await db?.drop();
});

test('SIGKILL mid-stream, then a restart: the same windows as the recount, and every revision on analytics-results once or more, no gaps', async () => {
  const topics = await analyticsTopics(db.url, partitions);
  await produceMessages(topics.bookings, messages);
  const env: Record<string, string> = { ...topics.env, PORT: '0' };

  running = startProcess(env);
  await waitUntil('a third of the messages counted', async () => (await countedSoFar(pool, topics.bookings)) >= messages.length / 3, { timeoutMs: 120_000 });
  running.child.kill('SIGKILL');
  assert.equal(await running.exited, 'SIGKILL');
  const atKill = await countedSoFar(pool, topics.bookings);
  assert.ok(atKill < messages.length, `killed mid-stream (${atKill} of ${messages.length} counted)`);

  // The killed member would hold its partitions until its session times out
  // (30 s); the restart joins as a new group, as after the group's committed
  // offsets were lost: the offsets stored with the windows alone place it.
  running = startProcess({ ...env, KAFKA_CONSUMER_GROUP: `${env.KAFKA_CONSUMER_GROUP}-restarted` });
  await waitUntilConsumed(pool, topics.bookings, messages);
  await waitUntil('every revision relayed', async () => {
    const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM analytics.results_outbox WHERE published_at IS NULL');
    return rows[0]!.n === '0';
  });

  assert.deepEqual(await storedWindows(pool), latestRevisions(expected));
  const received = await consumeTopic(testKafkaBrokers(), topics.results, (got) => new Set(got.map((m) => m.headerId)).size >= expected.length);
  const byId = new Map<string, Record<string, unknown>>();
  for (const m of received) {
    const earlier = byId.get(m.value.id);
    // A revision re-sent after the kill is the same message.
    if (earlier) assert.deepEqual(m.value, earlier);
    byId.set(m.value.id, m.value);
  }
  assert.deepEqual(
    [...byId.values()].map(figuresOf).sort((a, b) => `${a.eventId}${a.windowStart}${a.revision}`.localeCompare(`${b.eventId}${b.windowStart}${b.revision}`)),
    [...expected].sort((a, b) => `${a.eventId}${a.windowStart}${a.revision}`.localeCompare(`${b.eventId}${b.windowStart}${b.revision}`)),
  );
  running.child.kill('SIGTERM');
  assert.equal(await running.exited, 0, running.stderr());
  running = undefined;
});
