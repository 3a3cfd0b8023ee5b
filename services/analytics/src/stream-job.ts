import { ticketBookingsV1Schema, type BookingMessage, type BookingData } from '@ticketing/booking/message-schema';
import { runConsumer, type Logger, type Metrics, type Pool, type Tx } from '@ticketing/platform';
import { createStoredOffsets } from '@ticketing/platform/stored-offsets';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { WindowResult } from './results-schema.js';
import { addToWindow, emptyDelta, latenessOf, windowStartOf, type Lateness, type WindowDelta } from './windows.js';

/** The channel every committed window update is announced on (payload: the WindowResult), for the live streams of every replica. */
export const windowUpdatesChannel = 'analytics_windows';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const validateBookingMessage = addFormats(new Ajv2020({ allErrors: true, strict: false })).compile(ticketBookingsV1Schema);

/** A ticket-bookings message value, checked against its published schema; throws (the runner dead-letters it) when it does not match. */
export function parseBookingMessage(value: Buffer | null): BookingMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value?.toString('utf8') ?? '');
  } catch {
    throw new Error('message value is not JSON');
  }
  if (!validateBookingMessage(parsed))
    throw new Error(`message does not match ticket-bookings v1: ${JSON.stringify(validateBookingMessage.errors?.slice(0, 3))}`);
  return parsed as unknown as BookingMessage;
}

const ticketsOf = (data: { seatIds: string[]; generalAdmission: { quantity: number } | null }) => data.seatIds.length + (data.generalAdmission?.quantity ?? 0);

/** What a message adds to its window when it counts; undefined for types the windows do not count. */
export function deltaOf(message: BookingMessage): WindowDelta | undefined {
  switch (message.type) {
    case 'hold.created':
      return { ...emptyDelta, holdsCreated: 1 };
    case 'booking.confirmed': {
      const data = message.data as BookingData;
      return {
        ...emptyDelta,
        ticketsSold: ticketsOf(data),
        holdsConverted: data.holdId ? 1 : 0,
        revenue: { [data.amount.currency]: data.amount.cents },
      };
    }
    case 'booking.cancelled': {
      const data = message.data as BookingData;
      return { ...emptyDelta, cancellations: 1, ticketsCancelled: ticketsOf(data), refunds: { [data.amount.currency]: data.amount.cents } };
    }
    default:
      return undefined;
  }
}

/**
 * Copies what the reports group by (organization, venue, city) from the
 * catalog, once per event; false while the catalog does not know it (its
 * sales then have none).
 */
async function recordEventFacts(tx: Tx, eventId: string): Promise<boolean> {
  const { rows } = await tx.query(
    `WITH copied AS (INSERT INTO analytics.event_facts (event_id, organization_id, title, venue_id, venue_name, city, starts_at)
     SELECT e.id, e.owner_id, e.title, v.id, v.name, v.city, e.starts_at FROM catalog.events e JOIN catalog.venues v ON v.id = e.venue_id WHERE e.id = $1
     ON CONFLICT (event_id) DO NOTHING RETURNING 1)
     SELECT 1 FROM copied UNION ALL SELECT 1 FROM analytics.event_facts WHERE event_id = $1`,
    [eventId],
  );
  return rows.length > 0;
}

/** What one sale adds to event_month_sales: its group and figures; none unless live (confirmed, not cancelled) and of a known organization. */
interface SaleContribution {
  organization_id: string | null;
  event_id: string;
  currency: string;
  month: string | null;
  venue_id: string | null;
  city: string | null;
  amount_cents: string;
  tickets: number;
  live: boolean;
}

const contributionColumns = `organization_id, event_id, currency, to_char(confirmed_month, 'YYYY-MM-DD') AS month, venue_id, city, amount_cents, tickets,
  (organization_id IS NOT NULL AND cancelled_at IS NULL AND confirmed_month IS NOT NULL) AS live`;

/** Takes a sale's old contribution out of event_month_sales and puts its new one in, as one change per group. */
async function moveContribution(tx: Tx, before: SaleContribution | undefined, after: SaleContribution): Promise<void> {
  const deltas = new Map<string, { sale: SaleContribution; bookings: number; tickets: number; cents: bigint }>();
  const add = (sale: SaleContribution | undefined, sign: 1 | -1) => {
    if (!sale?.live) return;
    const key = [sale.organization_id, sale.event_id, sale.currency, sale.month].join('|');
    const delta = deltas.get(key) ?? { sale, bookings: 0, tickets: 0, cents: 0n };
    delta.bookings += sign;
    delta.tickets += sign * sale.tickets;
    delta.cents += BigInt(sign) * BigInt(sale.amount_cents);
    deltas.set(key, delta);
  };
  add(before, -1);
  add(after, 1);
  const changes = [...deltas.values()].filter((d) => d.bookings !== 0 || d.tickets !== 0 || d.cents !== 0n);
  if (changes.length === 0) return;
  await tx.query(
    `INSERT INTO analytics.event_month_sales AS r (organization_id, event_id, currency, month, venue_id, city, bookings, tickets, revenue_cents)
     SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::date[], $5::uuid[], $6::text[], $7::int[], $8::bigint[], $9::bigint[])
     ON CONFLICT (organization_id, event_id, currency, month) DO UPDATE
       SET bookings = r.bookings + EXCLUDED.bookings, tickets = r.tickets + EXCLUDED.tickets, revenue_cents = r.revenue_cents + EXCLUDED.revenue_cents`,
    [
      changes.map((d) => d.sale.organization_id),
      changes.map((d) => d.sale.event_id),
      changes.map((d) => d.sale.currency),
      changes.map((d) => d.sale.month),
      changes.map((d) => d.sale.venue_id),
      changes.map((d) => d.sale.city),
      changes.map((d) => d.bookings),
      changes.map((d) => d.tickets),
      changes.map((d) => d.cents.toString()),
    ],
  );
}

/** Keeps the per-booking sales fact the reports read (every confirmed or cancelled booking, on time or not) and the rollups made of it. */
async function recordSale(tx: Tx, message: BookingMessage): Promise<void> {
  if (message.type !== 'booking.confirmed' && message.type !== 'booking.cancelled') return;
  const data = message.data as BookingData;
  const confirmed = message.type === 'booking.confirmed';
  // One booking's messages are counted one at a time, also by two replicas during a rebalance (a row lock
  // cannot wait for a row not inserted yet); then what the sale counted in event_month_sales before this
  // message is read after the lock (a statement of its own: its snapshot must follow the lock) and taken back below.
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`analytics.sale:${data.bookingId}`]);
  const before = await tx.query<SaleContribution>(`SELECT ${contributionColumns} FROM analytics.sales WHERE booking_id = $1`, [data.bookingId]);
  // A cancellation read before its confirmation (another replay order) inserts the row already cancelled.
  const { rows } = await tx.query<{ organization_id: string | null; buyer_id: string } & SaleContribution>(
    `INSERT INTO analytics.sales (booking_id, event_id, organization_id, venue_id, city, buyer_id, currency, amount_cents, tickets, confirmed_at, cancelled_at)
     SELECT $1, $2, f.organization_id, f.venue_id, f.city, $3, $4, $5, $6, $7, $8
       FROM (SELECT 1) one LEFT JOIN analytics.event_facts f ON f.event_id = $2
     ON CONFLICT (booking_id) DO UPDATE SET
       confirmed_at = coalesce(EXCLUDED.confirmed_at, analytics.sales.confirmed_at),
       cancelled_at = coalesce(EXCLUDED.cancelled_at, analytics.sales.cancelled_at)
     RETURNING buyer_id, ${contributionColumns}`,
    [
      data.bookingId,
      message.eventId,
      data.buyerId,
      data.amount.currency,
      data.amount.cents,
      ticketsOf(data),
      confirmed ? message.occurredAt : null,
      confirmed ? null : message.occurredAt,
    ],
  );
  const sale = rows[0]!;
  await moveContribution(tx, before.rows[0], sale);
  if (sale.organization_id === null) return;
  // Replicas count different partitions, so two bookings of one buyer can be
  // counted at once: without this lock each recount misses the other's
  // uncommitted sale and the later write loses one. Held until commit; the
  // recount below then sees every sale committed before it.
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [sale.organization_id, sale.buyer_id]);
  // The buyer's live bookings with the organization, recounted from their (few, indexed) sales.
  await tx.query(
    `WITH live AS (SELECT count(*)::int AS bookings, sum(tickets)::int AS tickets, min(confirmed_at) AS first_at, max(confirmed_at) AS last_at
                     FROM analytics.sales WHERE organization_id = $1 AND buyer_id = $2 AND cancelled_at IS NULL),
          gone AS (DELETE FROM analytics.buyer_sales WHERE organization_id = $1 AND buyer_id = $2 AND (SELECT bookings FROM live) = 0)
     INSERT INTO analytics.buyer_sales (organization_id, buyer_id, bookings, tickets, first_booking_at, last_booking_at)
     SELECT $1, $2, bookings, tickets, first_at, last_at FROM live WHERE bookings > 0
     ON CONFLICT (organization_id, buyer_id) DO UPDATE SET bookings = EXCLUDED.bookings, tickets = EXCLUDED.tickets,
       first_booking_at = EXCLUDED.first_booking_at, last_booking_at = EXCLUDED.last_booking_at`,
    [sale.organization_id, sale.buyer_id],
  );
}

export interface CountOutcome {
  lateness: Lateness;
  /** The window's new revision, when the message changed a window. */
  result?: WindowResult;
}

/**
 * Counts one message inside `tx` (whose offset claim already serializes its
 * partition): deduplicates on the message id, advances the partition's
 * watermark, updates the window (or its too-late figure) as a new revision,
 * queues that revision for analytics-results and announces it to the live
 * streams on commit. Undefined for a duplicate. `knownEvents` are those
 * whose event facts are stored already (a cache across calls).
 */
export async function countMessage(
  knownEvents: Set<string>,
  tx: Tx,
  position: { topic: string; partition: number },
  message: BookingMessage,
  allowedLatenessMs: number,
): Promise<CountOutcome | undefined> {
  const occurredAt = new Date(message.occurredAt);
  // One round trip: the id is new (else nothing changes), and the partition's watermark before and after.
  const { rows } = await tx.query<{ fresh: boolean; before: Date | null; after: Date | null }>(
    `WITH fresh AS (INSERT INTO analytics.counted_messages (message_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING 1),
          before AS (SELECT watermark FROM analytics.partition_watermarks WHERE topic = $2 AND partition = $3),
          after AS (INSERT INTO analytics.partition_watermarks AS p (topic, partition, watermark) SELECT $2, $3, $4 WHERE EXISTS (SELECT 1 FROM fresh)
                    ON CONFLICT (topic, partition) DO UPDATE SET watermark = GREATEST(p.watermark, EXCLUDED.watermark) RETURNING watermark)
     SELECT EXISTS (SELECT 1 FROM fresh) AS fresh, (SELECT watermark FROM before) AS before, (SELECT watermark FROM after) AS after`,
    [message.id, position.topic, position.partition, occurredAt],
  );
  const { fresh, before, after } = rows[0]!;
  if (!fresh) return undefined;
  const previous = before ?? undefined;
  const watermark = after!;

  if (!knownEvents.has(message.eventId) && (await recordEventFacts(tx, message.eventId))) knownEvents.add(message.eventId);
  await recordSale(tx, message);

  const lateness = latenessOf(occurredAt, previous, allowedLatenessMs);
  const delta = deltaOf(message);
  if (!delta) return { lateness };
  const applied: WindowDelta = lateness === 'too_late' ? { ...emptyDelta, tooLateMessages: 1 } : { ...delta, lateMessages: lateness === 'late' ? 1 : 0 };
  const result = await addToWindow(tx, message.eventId, windowStartOf(occurredAt), applied, watermark);
  await tx.query(
    `WITH queued AS (INSERT INTO analytics.results_outbox (event_id, payload) VALUES ($1, $2::jsonb) RETURNING payload)
     SELECT pg_notify($3, payload::text) FROM queued`,
    [message.eventId, JSON.stringify(result), windowUpdatesChannel],
  );
  return { lateness, result };
}

/**
 * Message ids are kept as long as a re-send can still arrive: past the
 * topic's retention (7 days) no copy of the message is left to re-read.
 */
export const keepCountedMessageIdsDays = 8;

/** Deletes the ids of messages counted more than `days` ago; returns how many. */
export async function purgeCountedMessageIds(pool: Pool, days = keepCountedMessageIdsDays): Promise<number> {
  const { rowCount } = await pool.query('DELETE FROM analytics.counted_messages WHERE counted_at < now() - make_interval(days => $1)', [days]);
  return rowCount ?? 0;
}

export interface StreamJobOptions {
  pool: Pool;
  kafka: Kafka;
  logger: Logger;
  metrics: Metrics;
  topic: string;
  group: string;
  allowedLatenessMs: number;
  /** Called after a message that changed a window committed (wakes the results relay). */
  onWindowUpdated(): void;
  /** Called after each message committed (undefined: a duplicate). */
  onCounted?(outcome: CountOutcome | undefined): void;
}

/**
 * The stream job: consumes ticket-bookings on the platform's runner, with
 * offsets stored in PostgreSQL next to the window state (each message is
 * counted in one transaction with its offset), so a restart or a rebalance
 * resumes exactly where the committed state ends. Replicas share the
 * partitions through the consumer group. Starts in the background and keeps
 * retrying while Kafka is unreachable.
 */
export function startStreamJob(options: StreamJobOptions): { stop(): Promise<void> } {
  const { pool, topic, group, logger } = options;
  const offsets = createStoredOffsets({ pool, schema: 'analytics', consumer: 'sales-windows', topic });
  let stopped = false;
  let consumer: { stop(): Promise<void> } | undefined;
  let retry: NodeJS.Timeout | undefined;
  const knownEvents = new Set<string>();

  const handle = async (message: KafkaMessage, partition: number) => {
    const parsed = parseBookingMessage(message.value);
    let outcome: CountOutcome | undefined;
    const applied = await offsets.applyOnce(partition, message.offset, async (tx) => {
      outcome = await countMessage(knownEvents, tx, { topic, partition }, parsed, options.allowedLatenessMs);
    });
    // An offset the stored state already holds (replayed after a crash or rebalance) changed nothing.
    if (!applied) return;
    options.onCounted?.(outcome);
    if (outcome?.result) options.onWindowUpdated();
  };

  const start = async (attempt: number): Promise<void> => {
    try {
      const running = await runConsumer({
        kafka: options.kafka,
        topic,
        group,
        logger,
        metrics: options.metrics,
        fromBeginning: true,
        startPositions: (partitions) => offsets.positions(partitions),
        handle,
      });
      if (stopped) return void (await running.stop());
      consumer = running;
      logger.info('stream job: consuming', { topic, group });
    } catch (error) {
      if (stopped) return;
      if (attempt === 1) logger.warn('stream job: Kafka unavailable; retrying', { topic, error: (error as Error).message });
      retry = setTimeout(() => void start(attempt + 1), Math.min(5_000, 500 * attempt));
    }
  };
  void start(1);
  const purge = setInterval(
    () => void purgeCountedMessageIds(pool).catch((error: unknown) => logger.warn('stream job: purging counted message ids failed', { error })),
    60 * 60 * 1000,
  );
  purge.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(purge);
      clearTimeout(retry);
      await consumer?.stop();
    },
  };
}
