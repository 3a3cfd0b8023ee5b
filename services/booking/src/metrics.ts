import { createOutboxRelayMetrics, type Logger, type Metrics, type Pool } from '@ticketing/platform';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BookingMessage } from './messages.js';
import type { PaymentProvider } from './payment-provider.js';

/** Most events `booking_seats_remaining` reports (the soonest on sale): bounds its cardinality at 100 series. */
export const seatsRemainingEventLimit = 50;

const holdEvents = ['created', 'extended', 'expired', 'released'] as const;
const bookingEvents = ['confirmed', 'cancelled'] as const;
const paymentOutcomes = ['approved', 'declined', 'timed_out', 'pending', 'refunded'] as const;
const latePaymentResults = ['reacquired', 'refunded'] as const;
/** Problem slugs of a refused POST /holds that mean "sold out" or "not on sale", and their label. */
const rejectionReasons: Record<string, string> = {
  'seats-unavailable': 'seats_unavailable',
  'not-enough-places': 'not_enough_places',
  'event-not-on-sale': 'event_not_on_sale',
};

function counter<L extends string>(registry: Registry, name: string, help: string, label: L, values: readonly string[]): Counter<L> {
  const metric = new Counter({ name, help, labelNames: [label], registers: [registry] });
  // Every known label value exists from the start, at 0: rates and absence alerts work before the first one.
  for (const value of values) metric.inc({ [label]: value } as Record<L, string>, 0);
  return metric;
}

/** Runs one query per scrape however many gauges read it (Prometheus scrapes far less often than this). */
function perScrape<T>(query: () => Promise<T>): () => Promise<T> {
  let last: { at: number; result: Promise<T> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > 500) last = { at: Date.now(), result: query() };
    return last.result;
  };
}

/**
 * Booking's own metrics. Each fact is counted in one place: holds, bookings and
 * settled payments from the outbox messages as the relay publishes them (every
 * committed change has exactly one); refused holds from the problem answered;
 * payments the provider left pending from the provider's answer. State
 * (backlogs, pending payments, seats left) is read from the database on scrape.
 */
export function createBookingMetrics(deps: { metrics: Metrics; pool: Pool; logger: Logger }) {
  const { registry } = deps.metrics;
  const holds = counter(registry, 'booking_holds_total', 'Hold changes, by event (created, extended, expired, released).', 'event', holdEvents);
  const bookings = counter(registry, 'booking_bookings_total', 'Bookings confirmed or cancelled.', 'event', bookingEvents);
  const rejections = counter(
    registry,
    'booking_hold_rejections_total',
    'Holds refused because the seats are taken, the places sold out, or the event is not on sale.',
    'reason',
    Object.values(rejectionReasons),
  );
  const payments = counter(
    registry,
    'booking_payments_total',
    'Payments by outcome: approved (booked), declined, timed_out, pending (provider answers later), refunded (approved but not bookable).',
    'outcome',
    paymentOutcomes,
  );
  const latePayments = counter(
    registry,
    'booking_late_payments_total',
    'Approvals that came after their hold lapsed: seats re-acquired and booked, or refunded.',
    'result',
    latePaymentResults,
  );

  // Money in minor units per currency (cents for EUR); currency is a short, bounded set.
  const revenue = new Counter({
    name: 'booking_revenue_minor_units_total',
    help: 'Value of bookings by currency: sold (booking.confirmed) and refunded (booking.cancelled, payment.refunded), in minor units.',
    labelNames: ['currency', 'flow'] as const,
    registers: [registry],
  });

  deps.metrics.onProblem(({ method, route, type }) => {
    const reason = rejectionReasons[type];
    if (method === 'POST' && route === '/holds' && reason) rejections.inc({ reason });
  });

  const ignoreFailure = (what: string) => (error: unknown) => {
    // A scrape must still answer while the database is down: the gauges keep their last values.
    deps.logger.debug(`metrics: ${what} not read`, { error: (error as Error).message });
    return undefined;
  };
  const outbox = perScrape(() =>
    deps.pool
      .query<{ pending: number; age: number }>(
        `SELECT count(*)::int AS pending, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS age
           FROM booking.outbox WHERE published_at IS NULL`,
      )
      .then((r) => r.rows[0], ignoreFailure('outbox backlog')),
  );
  const housekeeping = perScrape(() =>
    deps.pool
      .query<{ pending: number; age: number; lapsed: number }>(
        `SELECT count(*)::int AS pending, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS age,
                (SELECT count(*)::int FROM booking.holds WHERE status = 'active' AND expires_at <= now()) AS lapsed
           FROM booking.payments WHERE status = 'pending'`,
      )
      .then((r) => r.rows[0], ignoreFailure('pending payments and lapsed holds')),
  );
  const gauge = (name: string, help: string, read: () => Promise<number | undefined>) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const value = await read();
        if (value !== undefined) this.set(value);
      },
    });
  gauge('booking_outbox_pending_messages', 'Outbox messages not yet published to Kafka.', async () => (await outbox())?.pending);
  gauge('booking_outbox_oldest_pending_age_seconds', 'Age of the oldest unpublished outbox message (0 when none).', async () => (await outbox())?.age);
  gauge('booking_payments_pending', 'Payments waiting for their outcome now.', async () => (await housekeeping())?.pending);
  gauge('booking_payments_pending_oldest_age_seconds', 'Age of the oldest pending payment (0 when none).', async () => (await housekeeping())?.age);
  gauge(
    'booking_holds_lapsed_unswept',
    'Active holds past their expiry (the sweeper expires them; a growing number means it stalled).',
    async () => (await housekeeping())?.lapsed,
  );
  new Gauge({
    name: 'booking_seats_remaining',
    help: `Seats (kind=seats) and general-admission places (kind=ga) still free, for at most ${seatsRemainingEventLimit} events on sale now (the soonest).`,
    labelNames: ['event_id', 'kind'] as const,
    registers: [registry],
    async collect() {
      const rows = await deps.pool
        .query<{ event_id: string; seats: number; ga: number }>(
          `SELECT e.id AS event_id,
                  (SELECT count(*) FROM booking.seat_inventory s
                    WHERE s.event_id = e.id AND (s.status = 'available' OR (s.status = 'held' AND s.held_until <= now())))::int AS seats,
                  (SELECT COALESCE(sum(g.capacity - g.held - g.sold), 0) FROM booking.ga_inventory g WHERE g.event_id = e.id)::int AS ga
             FROM catalog.events e JOIN booking.event_inventory i ON i.event_id = e.id
            WHERE e.status = 'on_sale' AND e.starts_at > now()
            ORDER BY e.starts_at, e.id LIMIT $1`,
          [seatsRemainingEventLimit],
        )
        .then((r) => r.rows, ignoreFailure('seats remaining'));
      if (!rows) return;
      // Events that left sale disappear from the gauge.
      this.reset();
      for (const row of rows) {
        this.set({ event_id: row.event_id, kind: 'seats' }, row.seats);
        this.set({ event_id: row.event_id, kind: 'ga' }, row.ga);
      }
    },
  });

  const relay = createOutboxRelayMetrics(deps.metrics, 'booking_outbox');

  /** The business facts in messages Kafka just acknowledged (the relay counts the messages themselves). */
  function countPublished(messages: readonly Pick<BookingMessage, 'type' | 'data'>[]): void {
    for (const { type, data: payload } of messages) {
      // The few payload fields counted here; the message types are checked where they are written.
      const data = (payload ?? {}) as { reason?: string; reacquired?: boolean; amount?: { cents: number; currency: string } };
      const money = (flow: 'sold' | 'refunded') => data.amount && revenue.inc({ currency: data.amount.currency, flow }, data.amount.cents);
      switch (type) {
        case 'hold.created':
        case 'hold.extended':
        case 'hold.expired':
          holds.inc({ event: type.slice('hold.'.length) });
          break;
        case 'hold.released':
          holds.inc({ event: 'released' });
          if (data.reason === 'payment_declined') payments.inc({ outcome: 'declined' });
          if (data.reason === 'payment_timeout') payments.inc({ outcome: 'timed_out' });
          break;
        case 'booking.confirmed':
          bookings.inc({ event: 'confirmed' });
          payments.inc({ outcome: 'approved' });
          money('sold');
          if (data.reacquired === true) latePayments.inc({ result: 'reacquired' });
          break;
        case 'booking.cancelled':
          bookings.inc({ event: 'cancelled' });
          money('refunded');
          break;
        case 'payment.refunded':
          payments.inc({ outcome: 'refunded' });
          money('refunded');
          if (data.reason === 'seats_no_longer_available') latePayments.inc({ result: 'refunded' });
          break;
      }
    }
  }

  /** The provider, counting the charges it leaves pending (they settle later, by webhook or reconciler, as a message). */
  function instrumentProvider(provider: PaymentProvider): PaymentProvider {
    return {
      charge: async (request, timeoutMs) => {
        const outcome = await provider.charge(request, timeoutMs);
        if (outcome === 'pending') payments.inc({ outcome: 'pending' });
        return outcome;
      },
      status: (paymentId) => provider.status(paymentId),
      refund: (paymentId) => provider.refund(paymentId),
    };
  }

  const sweeper = {
    reconciled: new Counter({ name: 'booking_payments_reconciled_total', help: 'Abandoned pending payments settled by the sweeper.', registers: [registry] }),
    refundsRetried: new Counter({
      name: 'booking_refunds_retried_total',
      help: 'Refunds completed by the sweeper after their first attempt was lost.',
      registers: [registry],
    }),
    eventCancellationItems: new Counter({
      name: 'booking_event_cancellation_items_total',
      help: 'Holds released and bookings cancelled because their event was cancelled.',
      registers: [registry],
    }),
  };

  return { relay: { ...relay, countPublished }, sweeper, instrumentProvider };
}

export type BookingMetrics = ReturnType<typeof createBookingMetrics>;
/** What the outbox relay records. */
export type RelayMetrics = BookingMetrics['relay'];
/** What the sweeper records. */
export type SweeperMetrics = BookingMetrics['sweeper'];
