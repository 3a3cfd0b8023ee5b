import { admissionPassHeader } from '@ticketing/platform/admission-pass';
import { idempotencyKeyTtlHours, openApiCommon, withPlatformResponses, type JsonSchema, type OpenApiDocument, type ServiceConfig } from '@ticketing/platform';
import { bookingReferencePattern } from './booking-reference.js';
import { simulatedPaymentMethods } from './payment-provider.js';
import { SALES_OVERVIEW_MAX } from './sales.js';
import { bookingsTopic } from './service.js';

const { problemResponse, idempotencyKeyHeader, uuidPathParam } = openApiCommon;
/** A uuid as a pattern's part (lower or upper case hex). */
const uuidText = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const buyerSecurity = [{ bearerAuth: [] }];
/** The waiting room's admission pass, required on events that sell through one (services/platform/src/admission-pass.ts). */
const admissionPassParam = {
  name: admissionPassHeader,
  in: 'header' as const,
  required: false,
  description:
    "Admission pass from the event's waiting room (`pass` of GET /api/waiting-room/events/{eventId}/queue/me); needed only on events with a waiting room.",
  schema: { type: 'string', maxLength: 4096 },
};

const holdResponses = {
  '400': problemResponse('Malformed request'),
  '401': problemResponse('No valid bearer token'),
  '403': problemResponse('Role not allowed'),
  '404': problemResponse('No such hold (or not yours)'),
};

/** Limits the document states; the service enforces the same (see `HoldSettings`). */
export interface BookingApiLimits {
  /** Most seats or general-admission places one hold may take (HOLD_MAX_PLACES). */
  maxPlaces: number;
  /** How long Idempotency-Keys are kept (IDEMPOTENCY_KEY_TTL_HOURS). */
  idempotencyKeyTtlHours: number;
}

/** Seats or general-admission places to hold; at most HOLD_MAX_PLACES of either. */
const holdRequest = (maxPlaces: number) => ({
  oneOf: [
    {
      type: 'object',
      title: 'Seats',
      required: ['eventId', 'seatIds'],
      additionalProperties: false,
      properties: {
        eventId: { type: 'string', format: 'uuid' },
        seatIds: { type: 'array', minItems: 1, maxItems: maxPlaces, uniqueItems: true, items: { type: 'string', format: 'uuid' } },
      },
    },
    {
      type: 'object',
      title: 'General admission',
      required: ['eventId', 'generalAdmission'],
      additionalProperties: false,
      properties: {
        eventId: { type: 'string', format: 'uuid' },
        generalAdmission: {
          type: 'object',
          required: ['sectionId', 'quantity'],
          additionalProperties: false,
          properties: { sectionId: { type: 'string', format: 'uuid' }, quantity: { type: 'integer', minimum: 1, maximum: maxPlaces } },
        },
      },
    },
  ],
});

const bookingList = {
  description: 'Bookings',
  content: {
    'application/json': {
      schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Booking' } } } },
    },
  },
};

/** Places of one section, category and price, with what else `extra` says about them. */
const pricedPlaces = (extra: Record<string, JsonSchema>): JsonSchema => ({
  type: 'object',
  properties: { sectionId: { type: 'string' }, category: { type: 'string' }, priceCents: { type: 'integer' }, currency: { type: 'string' }, ...extra },
});
/** An availability answer: the event id and `fields`, all required. */
const availabilityOf = (fields: Record<string, JsonSchema>): JsonSchema => ({
  type: 'object',
  required: ['eventId', ...Object.keys(fields)],
  properties: { eventId: { type: 'string', format: 'uuid' }, ...fields },
});
const gaAvailability: JsonSchema = { type: 'array', items: { $ref: '#/components/schemas/GeneralAdmissionAvailability' } };

/** The booking service's API without the parts that depend on settings. */
const bookingDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Booking API',
    version: '1.0.0',
    description:
      'Holds seats or general-admission places for a few minutes, checks out through the payment provider, and manages bookings. ' +
      'Every write accepts an Idempotency-Key. Every state change is published on Kafka topic `' +
      bookingsTopic +
      '` (see docs/events.md).',
  },
  paths: {
    '/events/{eventId}/availability': {
      get: {
        operationId: 'getAvailability',
        summary: 'Seats and general-admission places a buyer can hold now',
        description:
          'Served from a per-process snapshot at most AVAILABILITY_CACHE_MS old (a hold is the authority: it answers 409 for a seat taken since). ' +
          'Answers carry an ETag; send it back in If-None-Match to get 304 Not Modified while nothing changed. ' +
          'For large venues fetch `format=layout` once (seat ids per group; changes only with the inventory) and poll `format=compact` ' +
          '(one status character per seat, in the layout order: `a` available, `h` held, `s` sold).',
        tags: ['inventory'],
        parameters: [
          uuidPathParam('eventId', 'Event (showtime) id from the catalog'),
          {
            name: 'format',
            in: 'query',
            description: 'full: every seat with its price and status; compact: status strings per seat group; layout: seat ids per group',
            schema: { enum: ['full', 'compact', 'layout'], default: 'full' },
          },
          { name: 'sectionId', in: 'query', description: 'Only this section (seated or general admission)', schema: { type: 'string', format: 'uuid' } },
        ],
        responses: {
          '200': {
            description: 'Availability in the asked format',
            headers: {
              ETag: { description: 'Identifies this state; If-None-Match with it answers 304', schema: { type: 'string' } },
              'Cache-Control': { description: 'public; max-age is the snapshot interval (the layout: 5 minutes)', schema: { type: 'string' } },
            },
            content: {
              'application/json': {
                schema: {
                  anyOf: [
                    { $ref: '#/components/schemas/Availability' },
                    { $ref: '#/components/schemas/CompactAvailability' },
                    { $ref: '#/components/schemas/SeatLayout' },
                  ],
                },
              },
            },
          },
          '304': { description: 'Not modified: the If-None-Match ETag is still current' },
          '400': problemResponse('Malformed event id, section id or format'),
          '404': problemResponse('No such event'),
        },
      },
    },
    '/events/{eventId}/availability/stream': {
      get: {
        operationId: 'streamAvailability',
        summary: 'Live availability as Server-Sent Events: a `snapshot`, then `changes` as seats are held, sold or released',
        description:
          'First event `snapshot` (data: the same document as GET /events/{eventId}/availability), then an event `changes` ' +
          '(data: `{ eventId, seats: [{ seatId, status }], generalAdmission: [{ sectionId, available }] }`) whenever inventory changes on ' +
          'any replica, usually within a fraction of a second. A reconnecting client gets a fresh `snapshot`. ' +
          'Seats of a lapsed hold show as available once the sweeper has expired it (SWEEPER_INTERVAL_MS). ' +
          'A replica with AVAILABILITY_STREAMS_MAX streams open answers 503 with Retry-After.',
        tags: ['inventory'],
        parameters: [uuidPathParam('eventId', 'Event (showtime) id from the catalog')],
        responses: {
          '200': { description: 'The event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          '400': problemResponse('Malformed event id'),
          '404': problemResponse('No such event'),
        },
      },
    },
    '/holds': {
      post: {
        operationId: 'createHold',
        summary: 'Hold specific seats, or N general-admission places, for one event',
        description: 'The hold lasts HOLD_TTL_SECONDS (default 5 minutes). Seats of an expired hold are free for the next buyer at once.',
        tags: ['holds'],
        security: buyerSecurity,
        parameters: [idempotencyKeyHeader, admissionPassParam],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/HoldRequest' } } } },
        responses: {
          '201': { description: 'Hold created', content: { 'application/json': { schema: { $ref: '#/components/schemas/Hold' } } } },
          ...holdResponses,
          '403': problemResponse(
            'Role not allowed; or the event sells through its waiting room and the admission pass is missing, expired, or for another account or event',
          ),
          '404': problemResponse('No such event'),
          '409': problemResponse('Seats held or sold by someone else, not enough places, event not on sale, or Idempotency-Key in flight'),
          '413': problemResponse('Body too large'),
          '415': problemResponse('Body is not JSON'),
          '422': problemResponse('Unknown seats or section, or Idempotency-Key reused with another body'),
        },
      },
    },
    '/holds/{holdId}': {
      get: {
        operationId: 'getHold',
        summary: 'A hold of yours',
        tags: ['holds'],
        security: buyerSecurity,
        parameters: [uuidPathParam('holdId', 'Hold id')],
        responses: { '200': { description: 'Hold', content: { 'application/json': { schema: { $ref: '#/components/schemas/Hold' } } } }, ...holdResponses },
      },
      delete: {
        operationId: 'releaseHold',
        summary: 'Release a hold: its seats go back on sale at once',
        tags: ['holds'],
        security: buyerSecurity,
        parameters: [uuidPathParam('holdId', 'Hold id'), idempotencyKeyHeader],
        responses: {
          '200': { description: 'Hold released (or already ended)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Hold' } } } },
          ...holdResponses,
          '409': problemResponse('A payment for this hold is in progress'),
        },
      },
    },
    '/holds/{holdId}/checkout': {
      post: {
        operationId: 'checkoutHold',
        summary: 'Pay for a hold; on approval it becomes a booking',
        description:
          'Starting checkout extends the hold once (bounded by HOLD_MAX_LIFETIME_SECONDS). Simulated payment methods: ' +
          Object.entries(simulatedPaymentMethods)
            .map(([m, d]) => `\`${m}\` ${d}`)
            .join('; ') +
          '.',
        tags: ['checkout'],
        security: buyerSecurity,
        parameters: [uuidPathParam('holdId', 'Hold id'), idempotencyKeyHeader],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CheckoutRequest' } } } },
        responses: {
          '201': { description: 'Payment approved; booking confirmed', content: { 'application/json': { schema: { $ref: '#/components/schemas/Booking' } } } },
          '202': {
            description: 'Payment pending; the outcome arrives via the provider webhook',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/PendingPayment' } } },
          },
          ...holdResponses,
          '402': problemResponse('Payment declined; the hold is released'),
          '409': problemResponse('Hold expired or not active, payment already in progress, or seats lost (payment refunded)'),
          '422': problemResponse('Idempotency-Key reused with another body'),
          '504': problemResponse('Payment provider timed out; the hold is released and a late approval is refunded or honoured'),
        },
      },
    },
    '/payments/webhook': {
      post: {
        operationId: 'paymentWebhook',
        summary: "Payment provider callback with a payment's final outcome",
        description:
          'Signed: header `X-Signature: sha256=<hex HMAC-SHA256 of the raw body with PAYMENT_WEBHOOK_SECRET>`. A late approval re-acquires the seats if they are still free, otherwise the payment is refunded.',
        tags: ['checkout'],
        parameters: [{ name: 'X-Signature', in: 'header', required: true, schema: { type: 'string', maxLength: 200 } }],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/PaymentWebhook' } } } },
        responses: {
          '200': {
            description: 'Outcome applied (or already applied)',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Settlement' } } },
          },
          '400': problemResponse('Malformed request'),
          '401': problemResponse('Missing or wrong signature'),
          '404': problemResponse('No such payment'),
        },
      },
    },
    '/bookings': {
      get: {
        operationId: 'listMyBookings',
        summary: 'Your bookings, newest first (at most 100)',
        tags: ['bookings'],
        security: buyerSecurity,
        responses: { '200': bookingList, '401': holdResponses['401'], '403': holdResponses['403'] },
      },
    },
    '/events/{eventId}/bookings': {
      get: {
        operationId: 'listEventBookings',
        summary: "An event's sales, newest first (at most 100): for the partner whose organization owns the event, and admins",
        tags: ['bookings'],
        security: buyerSecurity,
        parameters: [uuidPathParam('eventId', 'Event (showtime) id from the catalog')],
        responses: { '200': bookingList, ...holdResponses, '404': problemResponse("No such event (or not your organization's)") },
      },
    },
    '/partner/sales': {
      get: {
        operationId: 'salesOverview',
        summary: "Sold, held and available places and revenue of each of your organization's events (admins: every event), soonest first",
        description: `At most ${SALES_OVERVIEW_MAX} events. Revenue counts confirmed bookings; cancelled (refunded) ones are not revenue.`,
        tags: ['bookings'],
        security: buyerSecurity,
        parameters: [
          {
            name: 'eventIds',
            in: 'query',
            required: false,
            description: `Only these events (comma-separated ids, at most ${SALES_OVERVIEW_MAX}: the page of them an organizer is looking at); ids of events that are not your organization's are left out.`,
            schema: { type: 'string', pattern: `^${uuidText}(,${uuidText}){0,${SALES_OVERVIEW_MAX - 1}}$` },
          },
        ],
        responses: {
          '200': {
            description: 'One row per event',
            content: {
              'application/json': {
                schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: '#/components/schemas/EventSales' } } } },
              },
            },
          },
          '400': problemResponse('Malformed `eventIds`'),
          '401': holdResponses['401'],
          '403': holdResponses['403'],
        },
      },
    },
    '/bookings/{reference}': {
      get: {
        operationId: 'getBooking',
        summary: 'A booking of yours, by its reference',
        tags: ['bookings'],
        security: buyerSecurity,
        parameters: [{ name: 'reference', in: 'path', required: true, schema: { type: 'string', pattern: bookingReferencePattern } }],
        responses: {
          '200': { description: 'Booking', content: { 'application/json': { schema: { $ref: '#/components/schemas/Booking' } } } },
          ...holdResponses,
          '404': problemResponse('No such booking (or not yours)'),
        },
      },
    },
    '/bookings/{reference}/cancel': {
      post: {
        operationId: 'cancelBooking',
        summary: 'Cancel a booking before the event starts; the payment is refunded and the seats go back on sale',
        tags: ['bookings'],
        security: buyerSecurity,
        parameters: [{ name: 'reference', in: 'path', required: true, schema: { type: 'string', pattern: bookingReferencePattern } }, idempotencyKeyHeader],
        responses: {
          '200': { description: 'Booking cancelled', content: { 'application/json': { schema: { $ref: '#/components/schemas/Booking' } } } },
          ...holdResponses,
          '404': problemResponse('No such booking (or not yours)'),
          '409': problemResponse('The event has started'),
        },
      },
    },
  },
  components: {
    securitySchemes: { bearerAuth: openApiCommon.bearerAuth },
    schemas: {
      Problem: openApiCommon.problemSchema,
      Money: {
        type: 'object',
        required: ['cents', 'currency'],
        properties: { cents: { type: 'integer', minimum: 0 }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } },
      },
      Hold: {
        type: 'object',
        required: ['id', 'eventId', 'status', 'expiresAt', 'seatIds', 'amount'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          eventId: { type: 'string', format: 'uuid' },
          status: { enum: ['active', 'converted', 'expired', 'released'] },
          endReason: { type: ['string', 'null'] },
          expiresAt: { type: 'string', format: 'date-time' },
          extended: { type: 'boolean' },
          seatIds: { type: 'array', items: { type: 'string', format: 'uuid' } },
          generalAdmission: { type: ['object', 'null'], properties: { sectionId: { type: 'string' }, quantity: { type: 'integer' } } },
          amount: { $ref: '#/components/schemas/Money' },
          bookingReference: { type: ['string', 'null'] },
          payment: { type: ['object', 'null'], properties: { id: { type: 'string' }, status: { type: 'string' } } },
        },
      },
      CheckoutRequest: {
        type: 'object',
        required: ['paymentMethod'],
        additionalProperties: false,
        properties: { paymentMethod: { enum: Object.keys(simulatedPaymentMethods) } },
      },
      PendingPayment: {
        type: 'object',
        properties: { paymentId: { type: 'string', format: 'uuid' }, status: { const: 'pending' } },
      },
      PaymentWebhook: {
        type: 'object',
        required: ['paymentId', 'outcome'],
        additionalProperties: false,
        properties: { paymentId: { type: 'string', format: 'uuid' }, outcome: { enum: ['approved', 'declined'] } },
      },
      Settlement: {
        type: 'object',
        properties: { outcome: { enum: ['confirmed', 'refunded', 'failed'] }, booking: { $ref: '#/components/schemas/Booking' } },
      },
      Booking: {
        type: 'object',
        required: ['id', 'reference', 'eventId', 'status', 'amount'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          reference: { type: 'string', pattern: bookingReferencePattern },
          eventId: { type: 'string', format: 'uuid' },
          status: { enum: ['confirmed', 'cancelled'] },
          seatIds: { type: 'array', items: { type: 'string', format: 'uuid' } },
          generalAdmission: { type: ['object', 'null'] },
          amount: { $ref: '#/components/schemas/Money' },
          createdAt: { type: 'string', format: 'date-time' },
          cancelledAt: { type: ['string', 'null'], format: 'date-time' },
        },
      },
      EventSales: {
        type: 'object',
        required: ['eventId', 'capacity', 'sold', 'held', 'available', 'revenue'],
        properties: {
          eventId: { type: 'string', format: 'uuid' },
          capacity: { type: 'integer', description: 'Seats plus general-admission places' },
          sold: { type: 'integer' },
          held: { type: 'integer' },
          available: { type: 'integer' },
          revenue: { $ref: '#/components/schemas/Money' },
        },
      },
      CompactAvailability: availabilityOf({
        layout: { type: 'string', description: 'Version of the seat layout these status strings follow (`format=layout` names the same)' },
        sections: {
          type: 'array',
          items: pricedPlaces({
            status: { type: 'string', pattern: '^[ahs]*$', description: "One character per seat of the layout's group: a available, h held, s sold" },
          }),
        },
        generalAdmission: gaAvailability,
      }),
      SeatLayout: availabilityOf({
        layout: { type: 'string' },
        sections: { type: 'array', items: pricedPlaces({ seatIds: { type: 'array', items: { type: 'string', format: 'uuid' } } }) },
      }),
      Availability: availabilityOf({
        seats: { type: 'array', items: pricedPlaces({ seatId: { type: 'string' }, status: { enum: ['available', 'held', 'sold'] } }) },
        generalAdmission: gaAvailability,
      }),
      GeneralAdmissionAvailability: pricedPlaces({ capacity: { type: 'integer' }, available: { type: 'integer' } }),
    },
  },
};

/** The booking service's API; served at /openapi.json and used to validate requests. */
export function buildBookingOpenApi({ maxPlaces, idempotencyKeyTtlHours }: BookingApiLimits): OpenApiDocument {
  const { components } = bookingDocument;
  // Every operation reads or writes PostgreSQL.
  return withPlatformResponses(
    { ...bookingDocument, components: { ...components, schemas: { ...components.schemas, HoldRequest: holdRequest(maxPlaces) } } },
    { database: true, idempotencyKeyTtlHours },
  );
}

/** The document a booking service serves: HOLD_MAX_PLACES is the setting `holdSettings` enforces too. */
export const bookingOpenApi = (config: ServiceConfig): OpenApiDocument =>
  buildBookingOpenApi({ maxPlaces: config.integer('HOLD_MAX_PLACES'), idempotencyKeyTtlHours: idempotencyKeyTtlHours(config) });
