import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startService, type RunningService } from '@ticketing/platform';
import { consumeTopic, createTestDatabase, http, migrateCatalogSchema, testKafkaBrokers, testToken, waitUntil } from '@ticketing/testing';
import type pg from 'pg';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { createAnalyticsDefinition } from '../src/app.js';
import { analyticsResultsV1Schema } from '../src/results-schema.js';
import {
  analyticsTopics,
  figuresOf,
  generateMessages,
  insertCatalogEvents,
  latestRevisions,
  produceMessages,
  recountWindows,
  storedWindows,
  testKafkaClient,
  testPool,
  waitUntilConsumed,
  type GeneratedMessage,
} from './support.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const validateResult = addFormats(new Ajv2020({ allErrors: true, strict: false })).compile(analyticsResultsV1Schema);
const partitions = 4;
const { events, messages } = generateMessages(20261201, 2500, partitions);
const expected = recountWindows(messages);

const harbour = testToken('partner-harbour', 'partner', { org: 'org-harbour' });
const canal = testToken('partner-canal', 'partner', { org: 'org-canal' });
const admin = testToken('admin-1', 'admin');

/** Sum over the replicas of a counter's value with `labels`. */
async function summed(replicas: readonly RunningService[], name: string, labels: Record<string, string>): Promise<number> {
  let total = 0;
  for (const replica of replicas) {
    const metric = await replica.context.metrics.registry.getSingleMetric(name)?.get();
    total += metric?.values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0) ?? 0;
  }
  return total;
}

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
    const admin = testKafkaClient('analytics-test-admin').admin();
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

  test('analytics_messages_counted_total says how many messages were on time, late, too late and duplicates', async () => {
    const seen = new Set<string>();
    const watermarks = new Map<number, number>();
    const expectedCounts = { on_time: 0, late: 0, too_late: 0, duplicate: 0 };
    for (const { partition, value } of messages) {
      if (seen.has(value.id)) {
        expectedCounts.duplicate++;
        continue;
      }
      seen.add(value.id);
      const at = Date.parse(value.occurredAt);
      const end = at - (at % 60_000) + 60_000;
      const before = watermarks.get(partition);
      watermarks.set(partition, Math.max(before ?? at, at));
      expectedCounts[before === undefined || before < end ? 'on_time' : before < end + 120_000 ? 'late' : 'too_late']++;
    }
    for (const [lateness, count] of Object.entries(expectedCounts)) {
      assert.equal(await summed(replicas, 'analytics_messages_counted_total', { lateness }), count, lateness);
    }
  });

  test('analytics-results carries every revision of every window, no gaps, each equal to the recount', async () => {
    const received = await consumeTopic(testKafkaBrokers(), topics.results, (got) => new Set(got.map((m) => m.headerId)).size >= expected.length);
    const byId = new Map(received.map((m) => [m.value.id, m]));
    assert.equal(byId.size, expected.length);
    for (const revision of expected) {
      const message = byId.get(`${revision.eventId}/${revision.windowStart}/${revision.revision}`);
      assert.ok(message, `revision ${revision.revision} of ${revision.eventId} ${revision.windowStart}`);
      assert.equal(message.key, revision.eventId);
      assert.ok(validateResult(message.value), JSON.stringify(validateResult.errors));
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

  describe('partner reports over the same messages, against a recount in SQL written here', () => {
    const reportMessages = messages;
    const service = {
      get url() {
        return replicas[0]!.url;
      },
    };

    before(async () => {
      // The bookings the messages describe, straight from the messages: every confirmed one, and whether a cancellation came.
      const cancelled = new Set(reportMessages.filter((m) => m.value.type === 'booking.cancelled').map((m) => m.value.data.bookingId as string));
      const bookings = new Map(
        reportMessages
          .filter((m) => m.value.type === 'booking.confirmed')
          .map((m) => {
            const d = m.value.data as {
              bookingId: string;
              buyerId: string;
              amount: { cents: number; currency: string };
              seatIds: string[];
              generalAdmission: { quantity: number } | null;
            };
            return [
              d.bookingId,
              [
                d.bookingId,
                m.value.eventId,
                d.buyerId,
                d.amount.currency,
                d.amount.cents,
                d.seatIds.length + (d.generalAdmission?.quantity ?? 0),
                m.value.occurredAt,
                cancelled.has(d.bookingId),
              ],
            ];
          }),
      );
      await pool.query(
        `CREATE TABLE recount_bookings (booking_id uuid, event_id uuid, buyer_id text, currency text, cents bigint, tickets int, confirmed_at timestamptz, cancelled boolean)`,
      );
      const columns = [...bookings.values()];
      await pool.query(
        `INSERT INTO recount_bookings SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::int[], $7::timestamptz[], $8::boolean[])`,
        Array.from({ length: 8 }, (_, i) => columns.map((c) => c[i])),
      );
    });
    const recounts: Record<string, string> = {
      'revenue-by-venue': `SELECT v.id::text AS "venueId", v.name AS "venueName", v.city, b.currency, count(*) AS bookings, sum(b.tickets) AS tickets, sum(b.cents) AS "revenueCents"
                             FROM recount_bookings b JOIN catalog.events e ON e.id = b.event_id JOIN catalog.venues v ON v.id = e.venue_id
                            WHERE e.owner_id = $1 AND NOT b.cancelled GROUP BY v.id, v.name, v.city, b.currency`,
      'revenue-by-city': `SELECT v.city, b.currency, count(*) AS bookings, sum(b.tickets) AS tickets, sum(b.cents) AS "revenueCents"
                            FROM recount_bookings b JOIN catalog.events e ON e.id = b.event_id JOIN catalog.venues v ON v.id = e.venue_id
                           WHERE e.owner_id = $1 AND NOT b.cancelled GROUP BY v.city, b.currency`,
      'revenue-by-month': `SELECT to_char(b.confirmed_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, b.currency, count(*) AS bookings, sum(b.tickets) AS tickets, sum(b.cents) AS "revenueCents"
                             FROM recount_bookings b JOIN catalog.events e ON e.id = b.event_id
                            WHERE e.owner_id = $1 AND NOT b.cancelled GROUP BY 1, b.currency`,
      'repeat-customers': `SELECT b.buyer_id AS "buyerId", count(*) AS bookings, sum(b.tickets) AS tickets,
                                  to_char(min(b.confirmed_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "firstBookingAt",
                                  to_char(max(b.confirmed_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastBookingAt"
                             FROM recount_bookings b JOIN catalog.events e ON e.id = b.event_id
                            WHERE e.owner_id = $1 AND NOT b.cancelled GROUP BY b.buyer_id HAVING count(*) > 1`,
      'top-events': `SELECT e.id::text AS "eventId", e.title, to_char(e.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "startsAt", b.currency,
                            count(*) AS bookings, sum(b.tickets) AS tickets, sum(b.cents) AS "revenueCents"
                       FROM recount_bookings b JOIN catalog.events e ON e.id = b.event_id
                      WHERE e.owner_id = $1 AND NOT b.cancelled GROUP BY e.id, e.title, e.starts_at, b.currency`,
    };
    const canonical = (rows: Record<string, unknown>[]) =>
      rows
        .map((r) =>
          JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, ['bookings', 'tickets', 'revenueCents'].includes(k) ? Number(v) : v]))),
        )
        .sort();

    for (const [name, sql] of Object.entries(recounts)) {
      test(`${name} equals the recount for each organization`, async () => {
        for (const [organizationId, token] of [
          ['org-harbour', harbour],
          ['org-canal', canal],
        ] as const) {
          const report = await http(service.url, 'GET', `/reports/${name}`, { token });
          assert.equal(report.status, 200, JSON.stringify(report.body));
          assert.equal(report.body.organizationId, organizationId);
          const { rows } = await pool.query(sql, [organizationId]);
          assert.ok(rows.length > 0, 'the recount has rows');
          assert.deepEqual(canonical(report.body.rows), canonical(rows));
          assert.deepEqual(Object.keys(report.body.rows[0]), report.body.columns);
        }
      });
    }

    test('a report as CSV: a header of its columns and a line per row; ranked reports are ordered and limited', async () => {
      const json = await http(service.url, 'GET', '/reports/revenue-by-venue', { token: harbour });
      for (const ask of [
        { query: '?format=csv', headers: {} },
        { query: '', headers: { accept: 'text/csv' } },
      ] as { query: string; headers: Record<string, string> }[]) {
        const csv = await http(service.url, 'GET', `/reports/revenue-by-venue${ask.query}`, { token: harbour, headers: ask.headers });
        assert.equal(csv.status, 200);
        assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
        assert.match(csv.headers.get('content-disposition') ?? '', /attachment; filename="revenue-by-venue.csv"/);
        const lines = (csv.body as string).trim().split('\n');
        assert.equal(lines[0], json.body.columns.join(','));
        assert.deepEqual(
          lines.slice(1),
          json.body.rows.map((r: Record<string, unknown>) => json.body.columns.map((c: string) => r[c]).join(',')),
        );
      }
      const top = await http(service.url, 'GET', '/reports/top-events?limit=2', { token: harbour });
      assert.equal(top.body.rows.length, 2);
      assert.ok(top.body.rows[0].revenueCents >= top.body.rows[1].revenueCents);
    });

    test('a partner sees only its organization; an admin names one', async () => {
      assert.equal((await http(service.url, 'GET', '/reports/revenue-by-city?organizationId=org-canal', { token: harbour })).status, 403);
      assert.equal((await http(service.url, 'GET', '/reports/revenue-by-city', { token: admin })).status, 400);
      const asAdmin = await http(service.url, 'GET', '/reports/revenue-by-city?organizationId=org-canal', { token: admin });
      assert.deepEqual(asAdmin.body, (await http(service.url, 'GET', '/reports/revenue-by-city', { token: canal })).body);
      assert.equal((await http(service.url, 'GET', '/reports/revenue-by-city', { token: testToken('buyer-1', 'buyer') })).status, 403);
    });
  });
});
