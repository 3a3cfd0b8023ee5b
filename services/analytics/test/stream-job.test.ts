import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startService, type RunningService } from '@ticketing/platform';
import { consumeTopic, createTestDatabase, http, migrateCatalogSchema, testKafkaBrokers, testToken, waitUntil } from '@ticketing/testing';
import { Kafka, logLevel } from 'kafkajs';
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
  type GeneratedMessage,
} from './support.js';

const partitions = 4;
const { events, messages } = generateMessages(20261201, 2500, partitions);
const expected = recountWindows(messages);

const harbour = testToken('partner-harbour', 'partner', { org: 'org-harbour' });
const canal = testToken('partner-canal', 'partner', { org: 'org-canal' });
const admin = testToken('admin-1', 'admin');

async function processedBy(replica: RunningService, topic: string): Promise<number> {
  const metric = await replica.context.metrics.registry.getSingleMetric('kafka_consumer_messages_total')?.get();
  return metric?.values.filter((v) => v.labels.topic === topic && v.labels.outcome === 'processed').reduce((sum, v) => sum + v.value, 0) ?? 0;
}

describe('the stream job on two replicas, against a brute-force recount of seeded messages', () => {
  let db: { url: string; drop(): Promise<void> };
  let pool: pg.Pool;
  let replicas: RunningService[] = [];
  let topics: Awaited<ReturnType<typeof analyticsTopics>>;

  before(async () => {
    db = await createTestDatabase('analytics');
    pool = testPool(db.url);
    await migrateCatalogSchema(pool);
    await insertCatalogEvents(pool, events);
    topics = await analyticsTopics(db.url, partitions);
    replicas = await Promise.all([startService(createAnalyticsDefinition(), topics.env), startService(createAnalyticsDefinition(), topics.env)]);
    // Both members in the group before the first message, so each gets partitions of its own.
    const admin = new Kafka({ clientId: 'analytics-test-admin', brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await waitUntil('both replicas in a stable group', async () => {
      const { groups } = await admin.describeGroups([topics.env.KAFKA_CONSUMER_GROUP!]);
      return groups[0]?.state === 'Stable' && groups[0].members.length === 2;
    });
    await admin.disconnect();
    await produceMessages(topics.bookings, messages);
    await waitUntilConsumed(pool, topics.bookings, messages);
  });
  after(async () => {
    for (const r of replicas) await r.stop();
    await pool?.end();
    await db?.drop();
  });

  test('the generated messages have every case the windows must handle', () => {
    const ids = messages.map((m: GeneratedMessage) => m.value.id);
    assert.ok(ids.length - new Set(ids).size > 50, 'duplicates');
    assert.ok(expected.some((w) => w.lateMessages > 0) && expected.some((w) => w.tooLateMessages > 0), 'late and too-late messages');
    const outOfOrder = messages.filter((m, i) => messages.slice(0, i).some((p) => p.partition === m.partition && p.value.occurredAt > m.value.occurredAt));
    assert.ok(outOfOrder.length > 200, 'out-of-order messages');
  });

  test('the windows in the store equal the recount, and both replicas counted', async () => {
    assert.deepEqual(await storedWindows(pool), latestRevisions(expected));
    for (const replica of replicas) assert.ok((await processedBy(replica, topics.bookings)) > 0, 'each replica consumed partitions of its own');
  });

  test('analytics-results carries every revision of every window, no gaps, each equal to the recount', async () => {
    const received = await consumeTopic(testKafkaBrokers(), topics.results, (got) => new Set(got.map((m) => m.headerId)).size >= expected.length);
    const byId = new Map(received.map((m) => [m.value.id, m]));
    assert.equal(byId.size, expected.length);
    for (const revision of expected) {
      const message = byId.get(`${revision.eventId}/${revision.windowStart}/${revision.revision}`);
      assert.ok(message, `revision ${revision.revision} of ${revision.eventId} ${revision.windowStart}`);
      assert.equal(message.key, revision.eventId);
      assert.deepEqual(figuresOf(message.value), revision);
      assert.equal(message.value.windowEnd, new Date(Date.parse(revision.windowStart) + 60_000).toISOString());
    }
  });

  test('the windows and totals API answer the owning partner (and admins) with the recount, and no other organization', async () => {
    const url = replicas[0]!.url;
    const latest = latestRevisions(expected);
    for (const event of events) {
      const token = event.organizationId === 'org-harbour' ? harbour : canal;
      const listed = await http(url, 'GET', `/events/${event.id}/windows?limit=1440`, { token });
      assert.equal(listed.status, 200);
      const body = listed.body as { items: Record<string, unknown>[]; allowedLatenessSeconds: number };
      assert.equal(body.allowedLatenessSeconds, 120);
      const mine = [...latest.values()].filter((w) => w.eventId === event.id).sort((a, b) => a.windowStart.localeCompare(b.windowStart));
      assert.deepEqual(body.items.map(figuresOf), mine);

      const totals = (await http(url, 'GET', `/events/${event.id}/totals`, { token: admin })).body as Record<string, unknown>;
      const sum = (k: 'ticketsSold' | 'cancellations' | 'holdsCreated' | 'holdsConverted' | 'tooLateMessages') => mine.reduce((s, w) => s + w[k], 0);
      assert.equal(totals.ticketsSold, sum('ticketsSold'));
      assert.equal(totals.cancellations, sum('cancellations'));
      assert.equal(totals.holdsCreated, sum('holdsCreated'));
      assert.equal(totals.holdsConverted, sum('holdsConverted'));
      assert.equal(totals.tooLateMessages, sum('tooLateMessages'));
      const revenue: Record<string, number> = {};
      for (const w of mine) for (const [c, cents] of Object.entries(w.revenue)) revenue[c] = (revenue[c] ?? 0) + cents;
      assert.deepEqual(totals.revenue, revenue);

      const other = event.organizationId === 'org-harbour' ? canal : harbour;
      assert.equal((await http(url, 'GET', `/events/${event.id}/windows`, { token: other })).status, 404);
      assert.equal((await http(url, 'GET', `/events/${event.id}/totals`, { token: other })).status, 404);
    }
    assert.equal((await http(url, 'GET', `/events/${events[0]!.id}/windows`, { token: testToken('buyer-1', 'buyer') })).status, 403);
    assert.equal((await http(url, 'GET', `/events/${events[0]!.id}/windows`)).status, 401);
  });
});
