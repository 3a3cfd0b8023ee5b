import {
  inputOf,
  principalOf,
  problems,
  requireRole,
  invalidateOnWrites,
  sendCacheable,
  HttpProblem,
  verifyHmacSignature,
  tokenVerifierFrom,
  type ServiceConfig,
  type ServiceDefinition,
  type WriteResult,
} from '@ticketing/platform';
import type { Request } from 'express';
import { startAvailabilityHub } from './availability-stream.js';
import { cancelBooking, listBookingsOfBuyer, listSalesOfEvent, viewBookingOf } from './bookings.js';
import { checkout, releaseHold, resolveAbandonedPaymentOf, settlePayment, type CheckoutDeps, type RefundReason, type Settlement } from './checkout.js';
import { startCatalogChangesConsumer } from './catalog-consumer.js';
import { defaultEventCancellationBatchSize } from './event-cancellations.js';
import { createHold, viewHoldOf, type HoldDeps, type HoldRequest, type HoldSettings } from './holds.js';
import { createAvailabilityCache, type AvailabilityFormat } from './availability.js';
import { requireOnSaleEvent } from './inventory.js';
import { createOutbox } from './messages.js';
import { createBookingMetrics } from './metrics.js';
import { bookingOpenApi } from './openapi.js';
import { salesOverview } from './sales.js';
import { startOutboxRelay } from './outbox-relay.js';
import { createSimulatedPaymentProvider, type PaymentProvider } from './payment-provider.js';
import { completeRefunds } from './refunds.js';
import { bookingService } from './service.js';
import { startSweeper } from './sweeper.js';
import { createWaitingRoomGuard } from './waiting-room-guard.js';

const refundReasons: Record<RefundReason, string> = {
  seats_lost: 'the seats were taken after the hold expired',
  event_cancelled: 'the event was cancelled',
  refunded_earlier: 'already refunded',
};

/** Turns a settlement into the HTTP answer checkout and the webhook give. */
function settlementResult(settlement: Settlement): WriteResult {
  switch (settlement.kind) {
    case 'confirmed':
      return { status: 201, body: settlement.booking, headers: { Location: `/bookings/${settlement.booking.reference}` } };
    case 'pending':
      return { status: 202, body: { paymentId: settlement.paymentId, status: 'pending' } };
    case 'refunded':
      throw problems.conflict('seats-lost', 'Seats no longer available', `payment ${settlement.paymentId} was refunded: ${refundReasons[settlement.reason]}`, {
        paymentId: settlement.paymentId,
      });
    case 'failed':
      if (settlement.status === 'declined') {
        throw new HttpProblem(402, 'payment-declined', 'Payment declined', 'the payment was declined; the hold is released', {
          paymentId: settlement.paymentId,
        });
      }
      throw new HttpProblem(
        504,
        'payment-timeout',
        'Payment provider timed out',
        'the provider did not answer in time; the hold is released and you have not been charged',
        {
          paymentId: settlement.paymentId,
        },
      );
  }
}

/** The hold rules and the outbox of the bookings topic, read from the service's configuration. */
export function holdDeps(config: ServiceConfig): HoldDeps {
  return { settings: holdSettings(config), outbox: createOutbox(config.string('KAFKA_TOPIC_BOOKINGS')) };
}

function holdSettings(config: ServiceConfig): HoldSettings {
  return {
    ttlSeconds: config.integer('HOLD_TTL_SECONDS'),
    checkoutExtensionSeconds: config.integer('HOLD_CHECKOUT_EXTENSION_SECONDS'),
    maxLifetimeSeconds: config.integer('HOLD_MAX_LIFETIME_SECONDS'),
    maxPlaces: config.integer('HOLD_MAX_PLACES'),
  };
}

export interface BookingOptions {
  /** Replace the simulated provider (tests and future real providers). */
  paymentProvider?: PaymentProvider;
  /** Holds and bookings a cancelled event's clean-up handles per transaction. @default defaultEventCancellationBatchSize */
  eventCancellationBatchSize?: number;
}

export function createBookingDefinition(options: BookingOptions = {}): ServiceDefinition {
  return {
    declaration: bookingService,
    openApi: bookingOpenApi,
    database: { schema: 'booking', migrations: new URL('../migrations', import.meta.url).pathname },
    setup(ctx) {
      const { config, api } = ctx;
      const pool = ctx.requirePool();
      const verifier = tokenVerifierFrom(config);
      const buyer = requireRole(verifier, 'buyer', 'admin');
      const seller = requireRole(verifier, 'partner', 'admin');
      const holds = holdDeps(config);
      const writer = ctx.requireIdempotency();
      const metrics = createBookingMetrics({ metrics: ctx.metrics, pool, logger: ctx.logger });
      const provider = metrics.instrumentProvider(options.paymentProvider ?? createSimulatedPaymentProvider());
      const deps: CheckoutDeps = { pool, ...holds, provider, paymentTimeoutMs: config.integer('PAYMENT_TIMEOUT_MS') };
      const webhookSecret = config.string('PAYMENT_WEBHOOK_SECRET');
      const requireAdmission = createWaitingRoomGuard({ pool, jwksUrl: config.string('WAITING_ROOM_JWKS_URL'), registry: ctx.metrics.registry });

      const relay = startOutboxRelay({
        pool,
        kafka: ctx.requireKafka(),
        logger: ctx.logger,
        metrics: metrics.relay,
        pollIntervalMs: config.integer('OUTBOX_POLL_INTERVAL_MS'),
      });
      const sweeper = startSweeper({
        checkout: deps,
        logger: ctx.logger,
        metrics: metrics.sweeper,
        intervalMs: config.integer('SWEEPER_INTERVAL_MS'),
        eventCancellationBatchSize: options.eventCancellationBatchSize ?? defaultEventCancellationBatchSize,
      });
      const availabilityHub = startAvailabilityHub({
        pool,
        streams: ctx.eventStreams,
        logger: ctx.logger,
        maxStreams: config.integer('AVAILABILITY_STREAMS_MAX'),
        intervalMs: config.integer('AVAILABILITY_STREAM_INTERVAL_MS'),
      });
      ctx.onShutdown(() => relay.stop());
      ctx.onShutdown(() => sweeper.stop());
      const catalogChanges = startCatalogChangesConsumer({
        pool,
        outbox: holds.outbox,
        kafka: ctx.requireKafka(),
        topic: config.string('KAFKA_TOPIC_CATALOG'),
        logger: ctx.logger,
        metrics: ctx.metrics,
        onApplied: () => relay.notify(),
      });
      ctx.onShutdown(() => catalogChanges.stop());
      ctx.onShutdown(() => availabilityHub.stop());

      /** Runs a write, then wakes the relay so its messages go out without waiting for a poll; true when this request's work committed. */
      const write = async (req: Request, res: Parameters<typeof writer.run>[1], work: Parameters<typeof writer.run>[3]) => {
        const committed = await writer.run(req, res, principalOf(req).sub, work);
        relay.notify();
        return committed;
      };

      const availability = createAvailabilityCache(pool, { ttlMs: config.integer('AVAILABILITY_CACHE_MS') });
      // A buyer who just held, paid or released reads the seat map after their own write (on this replica).
      api.router.use(invalidateOnWrites(() => availability.invalidate()));
      api.operation('get', '/events/{eventId}/availability', async (req, res) => {
        const { eventId } = inputOf(req).params as { eventId: string };
        const { format, sectionId } = inputOf(req).query as { format: AvailabilityFormat; sectionId?: string };
        sendCacheable(req, res, await availability.answer(eventId, format, sectionId));
      });

      api.operation('get', '/events/{eventId}/availability/stream', async (req, res) => {
        const { eventId } = inputOf(req).params as { eventId: string };
        await availabilityHub.subscribe(req, res, eventId);
      });

      api.operation('post', '/holds', buyer, async (req, res) => {
        const request = inputOf(req).body as HoldRequest;
        await requireOnSaleEvent(pool, request.eventId);
        await requireAdmission(req, request.eventId);
        await write(req, res, async (tx) => {
          const hold = await createHold(tx, holds, principalOf(req).sub, request);
          return { status: 201, body: hold, headers: { Location: `/holds/${hold.id}` } };
        });
      });

      api.operation('get', '/holds/{holdId}', buyer, async (req, res) => {
        const { holdId } = inputOf(req).params as { holdId: string };
        res.json(await viewHoldOf(pool, holdId, principalOf(req).sub));
      });

      api.operation('delete', '/holds/{holdId}', buyer, async (req, res) => {
        const { holdId } = inputOf(req).params as { holdId: string };
        // A payment its checkout abandoned is settled first (own transactions, provider lookup).
        await resolveAbandonedPaymentOf(deps, holdId, principalOf(req).sub);
        await write(req, res, async (tx) => ({ status: 200, body: await releaseHold(tx, holds.outbox, holdId, principalOf(req).sub) }));
      });

      api.operation('post', '/holds/{holdId}/checkout', buyer, async (req, res) => {
        const { holdId } = inputOf(req).params as { holdId: string };
        const { paymentMethod } = inputOf(req).body as { paymentMethod: string };
        // Checkout spans a provider call, so it runs its own transactions;
        // the idempotency record still makes a retry replay the outcome.
        await writer.runOutsideTransaction(req, res, principalOf(req).sub, async (key) =>
          settlementResult(
            await checkout(
              deps,
              holdId,
              principalOf(req).sub,
              paymentMethod,
              // The key is claimed and its answer recorded by checkout's own first and settling transactions: no commits of their own.
              key && { inFirstTransaction: (tx) => key.claim(tx), inSettlement: (tx, settlement) => key.record(tx, () => settlementResult(settlement)) },
            ),
          ),
        );
        relay.notify();
      });

      // The signature is checked over the raw bytes before the body is parsed.
      const signed = verifyHmacSignature({ header: 'X-Signature', secret: webhookSecret });
      api.operation('post', '/payments/webhook', { rawBodyGuards: [signed] }, async (req, res) => {
        const { paymentId, outcome } = inputOf(req).body as { paymentId: string; outcome: 'approved' | 'declined' };
        const settlement = await settlePayment(deps, paymentId, outcome);
        relay.notify();
        res.json({ outcome: settlement.kind, ...(settlement.kind === 'confirmed' ? { booking: settlement.booking } : {}) });
      });

      api.operation('get', '/bookings', buyer, async (req, res) => {
        res.json({ items: await listBookingsOfBuyer(pool, principalOf(req).sub) });
      });

      api.operation('get', '/events/{eventId}/bookings', seller, async (req, res) => {
        const { eventId } = inputOf(req).params as { eventId: string };
        res.json({ items: await listSalesOfEvent(pool, eventId, principalOf(req)) });
      });

      api.operation('get', '/partner/sales', seller, async (req, res) => {
        const { eventIds } = inputOf(req).query as { eventIds?: string };
        res.json({ items: await salesOverview(pool, principalOf(req), eventIds?.split(',')) });
      });

      api.operation('get', '/bookings/{reference}', buyer, async (req, res) => {
        const { reference } = inputOf(req).params as { reference: string };
        res.json(await viewBookingOf(pool, reference, principalOf(req)));
      });

      api.operation('post', '/bookings/{reference}/cancel', buyer, async (req, res) => {
        const { reference } = inputOf(req).params as { reference: string };
        const refunds: string[] = [];
        const committed = await write(req, res, async (tx) => {
          const { booking, refundPaymentId } = await cancelBooking(tx, holds.outbox, reference, principalOf(req));
          if (refundPaymentId) refunds.push(refundPaymentId);
          return { status: 200, body: booking };
        });
        // A cancellation rolled back (its key was another request's) owes no refund.
        if (committed) await completeRefunds(pool, provider, refunds, ctx.logger);
      });
    },
  };
}
