/**
 * What the analytics tests share: seeded booking messages (out of order,
 * late, too late, duplicated), a brute-force recount of their windows
 * written here independently of src/, catalog rows for their events, and a
 * producer that puts each message on a chosen partition.
 */
import { randomUUID } from 'node:crypto';
import { createTestTopic, testKafkaBrokers, testPool, testServiceEnv, waitUntil } from '@ticketing/testing';
import { testKafkaSasl } from '@ticketing/platform/testing';
import { Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';
import { analyticsResultsV1Schema, type WindowResult } from '../src/results-schema.js';

export const allowedLatenessSeconds = 120;

export interface GeneratedMessage {
  partition: number;
  value: {
    id: string;
    type: string;
    schemaVersion: 1;
    occurredAt: string;
    eventId: string;
    data: Record<string, unknown>;
  };
}

export interface GeneratedEvent {
  id: string;
  organizationId: string;
  venueId: string;
  venueName: string;
  city: string;
  title: string;
}

/** mulberry32: the same seed, the same messages. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * `count` messages for events of two organizations over `partitions`
 * partitions (one event's messages on one partition, as the key would):
 * event time mostly moves forward with a few seconds of disorder; about 6%
 * are late within the allowed lateness, 3% far too late (some months back),
 * 4% re-sends of an earlier message with its id.
 */
export function generateMessages(seed: number, count: number, partitions: number) {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const uuid = () => {
    const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };
  const venues = [
    { venueId: uuid(), venueName: 'Harbour Arena', city: 'Porto', organizationId: 'org-harbour' },
    { venueId: uuid(), venueName: 'Riverside Hall', city: 'Lisbon', organizationId: 'org-harbour' },
    { venueId: uuid(), venueName: 'Old Mill', city: 'Porto', organizationId: 'org-harbour' },
    { venueId: uuid(), venueName: 'Canal Stage', city: 'Amsterdam', organizationId: 'org-canal' },
  ];
  const events: GeneratedEvent[] = Array.from({ length: 8 }, (_, i) => ({ id: uuid(), ...venues[i % venues.length]!, title: `Show ${i + 1}` }));
  const start = Date.parse('2026-06-01T10:00:00.000Z');
  const clock = Array.from({ length: partitions }, () => start);
  const sent: GeneratedMessage[] = [];
  const confirmed: { partition: number; eventId: string; data: Record<string, unknown> }[] = [];
  const holds: { partition: number; eventId: string; holdId: string }[] = [];
  const buyers = Array.from({ length: 40 }, (_, i) => `buyer-${i}`);

  for (let i = 0; i < count; i++) {
    const r = next();
    if (r < 0.04 && sent.length > 0) {
      sent.push({ ...pick(sent) });
      continue;
    }
    const eventIndex = Math.floor(next() * events.length);
    const event = events[eventIndex]!;
    const partition = eventIndex % partitions;
    clock[partition]! += Math.floor(next() * 1500);
    let occurredAt = clock[partition]! - Math.floor(next() * 4000);
    if (r < 0.1) occurredAt = clock[partition]! - 60_000 - Math.floor(next() * 100_000);
    else if (r < 0.13) occurredAt = clock[partition]! - (next() < 0.5 ? 200_000 + Math.floor(next() * 300_000) : Math.floor(40 + next() * 60) * 86_400_000);
    const currency = event.city === 'Amsterdam' && next() < 0.5 ? 'USD' : 'EUR';
    const seats = Array.from({ length: 1 + Math.floor(next() * 3) }, () => uuid());
    const ga = next() < 0.3 ? { sectionId: uuid(), quantity: 1 + Math.floor(next() * 4) } : null;
    const amount = { cents: (seats.length + (ga?.quantity ?? 0)) * (1000 + Math.floor(next() * 4000)), currency };
    const buyerId = pick(buyers);
    const kind = next();
    let type: string;
    let data: Record<string, unknown>;
    if (kind < 0.35) {
      const holdId = uuid();
      holds.push({ partition, eventId: event.id, holdId });
      type = 'hold.created';
      data = { holdId, buyerId, seatIds: seats, generalAdmission: ga, amount, expiresAt: new Date(occurredAt + 300_000).toISOString() };
    } else if (kind < 0.75) {
      const fromHold = holds.filter((h) => h.eventId === event.id);
      const hold = next() < 0.8 && fromHold.length > 0 ? pick(fromHold) : undefined;
      const reference = `BK-${Array.from({ length: 4 }, () => pick([...crockford])).join('')}-${Array.from({ length: 4 }, () => pick([...crockford])).join('')}`;
      type = 'booking.confirmed';
      data = {
        bookingId: uuid(),
        bookingReference: reference,
        ...(hold ? { holdId: hold.holdId, paymentId: uuid() } : {}),
        buyerId,
        seatIds: seats,
        generalAdmission: ga,
        amount,
        reacquired: false,
      };
      confirmed.push({ partition, eventId: event.id, data });
    } else if (kind < 0.87 && confirmed.some((c) => c.eventId === event.id)) {
      const booking = pick(confirmed.filter((c) => c.eventId === event.id));
      confirmed.splice(confirmed.indexOf(booking), 1);
      type = 'booking.cancelled';
      const { holdId: _hold, paymentId: _payment, reacquired: _reacquired, ...rest } = booking.data;
      data = { ...rest, reason: 'cancelled_by_buyer' };
    } else {
      type = 'hold.released';
      data = {
        holdId: uuid(),
        buyerId,
        seatIds: seats,
        generalAdmission: ga,
        amount,
        expiresAt: new Date(occurredAt).toISOString(),
        reason: 'released_by_buyer',
      };
    }
    sent.push({ partition, value: { id: uuid(), type, schemaVersion: 1, occurredAt: new Date(occurredAt).toISOString(), eventId: event.id, data } });
  }
  return { events, messages: sent };
}

/** A revision of a window as the recount computes it: a result without what follows from its key (id, type, version, end). */
export type ExpectedWindow = Omit<WindowResult, 'id' | 'type' | 'schemaVersion' | 'windowEnd'> & {
  revenue: Record<string, number>;
  refunds: Record<string, number>;
};
const derived = new Set(['id', 'type', 'schemaVersion', 'windowEnd']);
const figureKeys = analyticsResultsV1Schema.required.filter((k) => !derived.has(k));

/**
 * The brute-force recount: every message in partition order, once per id;
 * a window of a minute; a partition's watermark is the latest occurredAt
 * read before; late = window ended before the watermark, too late = ended
 * at least the allowed lateness before it. Returns every revision each
 * window went through, in order.
 */
export function recountWindows(messages: readonly GeneratedMessage[], latenessSeconds = allowedLatenessSeconds): ExpectedWindow[] {
  const seen = new Set<string>();
  const watermarks = new Map<number, number>();
  const windows = new Map<string, ExpectedWindow>();
  const revisions: ExpectedWindow[] = [];
  const tickets = (d: Record<string, unknown>) => (d.seatIds as string[]).length + ((d.generalAdmission as { quantity: number } | null)?.quantity ?? 0);
  for (const { partition, value } of messages) {
    if (seen.has(value.id)) continue;
    seen.add(value.id);
    const at = Date.parse(value.occurredAt);
    const before = watermarks.get(partition);
    const watermark = Math.max(before ?? at, at);
    watermarks.set(partition, watermark);
    if (!['hold.created', 'booking.confirmed', 'booking.cancelled'].includes(value.type)) continue;
    const startMs = at - (at % 60_000);
    const key = `${value.eventId} ${startMs}`;
    const previous = windows.get(key);
    const w: ExpectedWindow = previous
      ? { ...previous, revenue: { ...previous.revenue }, refunds: { ...previous.refunds } }
      : {
          eventId: value.eventId,
          windowStart: new Date(startMs).toISOString(),
          revision: 0,
          ticketsSold: 0,
          ticketsCancelled: 0,
          cancellations: 0,
          holdsCreated: 0,
          holdsConverted: 0,
          revenue: {},
          refunds: {},
          lateMessages: 0,
          tooLateMessages: 0,
          watermark: '',
        };
    w.revision += 1;
    w.watermark = new Date(watermark).toISOString();
    const end = startMs + 60_000;
    if (before !== undefined && before >= end + latenessSeconds * 1000) {
      w.tooLateMessages += 1;
    } else {
      if (before !== undefined && before >= end) w.lateMessages += 1;
      const amount = value.data.amount as { cents: number; currency: string };
      if (value.type === 'hold.created') w.holdsCreated += 1;
      if (value.type === 'booking.confirmed') {
        w.ticketsSold += tickets(value.data);
        if (value.data.holdId) w.holdsConverted += 1;
        w.revenue[amount.currency] = (w.revenue[amount.currency] ?? 0) + amount.cents;
      }
      if (value.type === 'booking.cancelled') {
        w.cancellations += 1;
        w.ticketsCancelled += tickets(value.data);
        w.refunds[amount.currency] = (w.refunds[amount.currency] ?? 0) + amount.cents;
      }
    }
    windows.set(key, w);
    revisions.push(w);
  }
  return revisions;
}

/** The latest revision of each window, keyed `<eventId>/<windowStart>`. */
export function latestRevisions(revisions: readonly ExpectedWindow[]): Map<string, ExpectedWindow> {
  const latest = new Map<string, ExpectedWindow>();
  for (const r of revisions) latest.set(`${r.eventId}/${r.windowStart}`, r);
  return latest;
}

/** The figures a window result carries that the recount computes (ids, types and end are the same per window). */
export function figuresOf(result: Record<string, unknown>): ExpectedWindow {
  return Object.fromEntries(figureKeys.map((k) => [k, result[k]])) as unknown as ExpectedWindow;
}

/** Catalog venues and events for the generated events (the analytics service reads owner, venue and city there). */
export async function insertCatalogEvents(pool: pg.Pool, events: readonly GeneratedEvent[]): Promise<void> {
  for (const venue of new Map(events.map((e) => [e.venueId, e])).values()) {
    await pool.query('INSERT INTO catalog.venues (id, owner_id, name, city) VALUES ($1, $2, $3, $4)', [
      venue.venueId,
      venue.organizationId,
      venue.venueName,
      venue.city,
    ]);
  }
  for (const e of events) {
    await pool.query(
      `INSERT INTO catalog.events (id, venue_id, owner_id, title, starts_at, ends_at, status)
       VALUES ($1, $2, $3, $4, '2026-09-01T20:00:00Z', '2026-09-01T23:00:00Z', 'on_sale')`,
      [e.id, e.venueId, e.organizationId, e.title],
    );
  }
}

/** A Kafka client on the test broker, with its login when it has one. */
export function testKafkaClient(clientId: string): Kafka {
  const sasl = testKafkaSasl();
  return new Kafka({ clientId, brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING, ...(sasl ? { sasl } : {}) });
}

/** Puts each message on its partition, in order, keyed by its event. */
export async function produceMessages(topic: string, messages: readonly GeneratedMessage[]): Promise<void> {
  const kafka = testKafkaClient('analytics-test-producer');
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 500) {
      await producer.send({
        topic,
        acks: -1,
        messages: messages.slice(i, i + 500).map((m) => ({
          partition: m.partition,
          key: m.value.eventId,
          value: JSON.stringify(m.value),
          headers: { 'message-id': m.value.id, 'message-type': m.value.type, 'content-type': 'application/json' },
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Fresh input and results topics, a unique consumer group, and the env of an analytics service on them. */
export async function analyticsTopics(databaseUrl: string, partitions: number) {
  const brokers = testKafkaBrokers().join(',');
  const bookings = await createTestTopic(brokers, 'ticket-bookings', partitions);
  const results = await createTestTopic(brokers, 'analytics-results', partitions);
  const env = testServiceEnv(databaseUrl, {
    KAFKA_TOPIC_BOOKINGS: bookings,
    KAFKA_TOPIC_ANALYTICS_RESULTS: results,
    KAFKA_CONSUMER_GROUP: `analytics-${randomUUID().slice(0, 8)}`,
    ANALYTICS_ALLOWED_LATENESS_SECONDS: String(allowedLatenessSeconds),
    ANALYTICS_RELAY_INTERVAL_MS: '50',
    LOG_LEVEL: 'warn',
  });
  return { bookings, results, env };
}

/** Waits until the stored offsets say every produced message was counted (per partition: its count). */
export async function waitUntilConsumed(pool: pg.Pool, topic: string, messages: readonly GeneratedMessage[], timeoutMs = 150_000): Promise<void> {
  const perPartition = new Map<number, number>();
  for (const m of messages) perPartition.set(m.partition, (perPartition.get(m.partition) ?? 0) + 1);
  await waitUntil(
    `every message of ${topic} counted`,
    async () => {
      const { rows } = await pool.query<{ partition: number; next_offset: string }>(
        'SELECT partition, next_offset FROM analytics.consumer_offsets WHERE topic = $1',
        [topic],
      );
      const stored = new Map(rows.map((r) => [r.partition, Number(r.next_offset)]));
      return [...perPartition].every(([p, n]) => stored.get(p) === n);
    },
    { timeoutMs, intervalMs: 250 },
  );
}

/** The current windows in the database, as the recount shapes them. */
export async function storedWindows(pool: pg.Pool): Promise<Map<string, ExpectedWindow>> {
  const { rows } = await pool.query<Record<string, unknown> & { event_id: string; window_start: Date; watermark: Date }>(
    'SELECT * FROM analytics.sales_windows',
  );
  return new Map(
    rows.map((r) => {
      const windowStart = r.window_start.toISOString();
      const cents = (v: unknown) => Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, c]) => [k, Number(c)]));
      return [
        `${r.event_id}/${windowStart}`,
        {
          eventId: r.event_id,
          windowStart,
          revision: r.revision as number,
          ticketsSold: r.tickets_sold as number,
          ticketsCancelled: r.tickets_cancelled as number,
          cancellations: r.cancellations as number,
          holdsCreated: r.holds_created as number,
          holdsConverted: r.holds_converted as number,
          revenue: cents(r.revenue),
          refunds: cents(r.refunds),
          lateMessages: r.late_messages as number,
          tooLateMessages: r.too_late_messages as number,
          watermark: r.watermark.toISOString(),
        },
      ];
    }),
  );
}

export { testPool };
