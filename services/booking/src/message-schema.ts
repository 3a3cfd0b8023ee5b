import type { FromSchema } from 'json-schema-to-ts';
import { bookingReferencePattern } from './booking-reference.js';
import { bookingsTopic } from './service.js';

/**
 * The one source of the `ticket-bookings` message format, schema version 1:
 * the TypeScript payload types are derived from these schemas, and
 * schemas/ticket-bookings.v1.schema.json (published for consumers) is
 * written from them (`npx tsx services/booking/src/write-message-schema.ts`;
 * a test fails while the file differs).
 */

/** A closed object schema: exactly these properties, the `required` ones present. */
function closedObject<const Required extends readonly string[], const Properties extends Record<string, unknown>>(required: Required, properties: Properties) {
  return { type: 'object', required, additionalProperties: false, properties } as const;
}

const money = closedObject(['cents', 'currency'], { cents: { type: 'integer', minimum: 0 }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } });

const generalAdmission = {
  type: ['object', 'null'],
  required: ['sectionId', 'quantity'],
  additionalProperties: false,
  properties: { sectionId: { type: 'string', format: 'uuid' }, quantity: { type: 'integer', minimum: 1 } },
} as const;

const uuid = { type: 'string', format: 'uuid' } as const;
/** Who holds or bought what, for how much: in every hold and booking message. */
const purchase = {
  buyerId: { type: 'string' },
  seatIds: { type: 'array', items: uuid },
  generalAdmission,
  amount: money,
} as const;

const holdData = closedObject(['holdId', 'buyerId', 'seatIds', 'generalAdmission', 'amount', 'expiresAt'], {
  holdId: uuid,
  ...purchase,
  expiresAt: { type: 'string', format: 'date-time' },
  reason: {
    type: 'string',
    description: 'hold.expired / hold.released: lapsed, released_by_buyer, payment_declined, payment_timeout, seats_lost, event_cancelled',
  },
});

const bookingData = closedObject(['bookingId', 'bookingReference', 'buyerId', 'seatIds', 'generalAdmission', 'amount'], {
  bookingId: uuid,
  bookingReference: { type: 'string', pattern: bookingReferencePattern },
  holdId: uuid,
  paymentId: uuid,
  ...purchase,
  reacquired: { type: 'boolean', description: 'booking.confirmed: the payment arrived after the hold expired and the seats were taken back' },
  reason: { type: 'string', description: 'booking.cancelled: cancelled_by_buyer, cancelled_by_admin or event_cancelled' },
});

const refundData = closedObject(['paymentId', 'holdId', 'buyerId', 'amount', 'reason'], {
  paymentId: uuid,
  holdId: uuid,
  buyerId: { type: 'string' },
  amount: money,
  reason: { type: 'string', description: 'seats_no_longer_available or event_cancelled' },
});

/** The catalog moved an event a buyer has a booking for: one message per confirmed booking, so notifications can tell each buyer. */
const timeChangeData = closedObject(['bookingId', 'bookingReference', 'buyerId', 'previousStartsAt', 'previousEndsAt', 'startsAt', 'endsAt'], {
  bookingId: uuid,
  bookingReference: { type: 'string', pattern: bookingReferencePattern },
  buyerId: { type: 'string' },
  previousStartsAt: { type: 'string', format: 'date-time' },
  previousEndsAt: { type: 'string', format: 'date-time' },
  startsAt: { type: 'string', format: 'date-time' },
  endsAt: { type: 'string', format: 'date-time' },
});

/** The payload schemas, by name under `$defs`. */
const dataSchemas = { hold: holdData, booking: bookingData, refund: refundData, timeChange: timeChangeData } as const;

/** Every message type and the payload it carries. */
export const payloadOfType = {
  'hold.created': 'hold',
  'hold.extended': 'hold',
  'hold.expired': 'hold',
  'hold.released': 'hold',
  'booking.confirmed': 'booking',
  'booking.cancelled': 'booking',
  'payment.refunded': 'refund',
  'event.time_changed': 'timeChange',
} as const satisfies Record<string, keyof typeof dataSchemas>;

export type BookingMessageType = keyof typeof payloadOfType;
export const bookingMessageTypes = Object.keys(payloadOfType) as BookingMessageType[];

export type HoldData = FromSchema<typeof holdData>;
export type BookingData = FromSchema<typeof bookingData>;
export type RefundData = FromSchema<typeof refundData>;
export type TimeChangeData = FromSchema<typeof timeChangeData>;
interface Payloads {
  hold: HoldData;
  booking: BookingData;
  refund: RefundData;
  timeChange: TimeChangeData;
}
/** The `data` of a message of type `T`. */
export type BookingMessageData<T extends BookingMessageType> = Payloads[(typeof payloadOfType)[T]];

export const schemaVersion = 1;

/** A message of type `T` as it goes on the topic. */
export interface BookingMessage<T extends BookingMessageType = BookingMessageType> {
  /** Unique message id; consumers deduplicate on it. Stable across re-sends. */
  id: string;
  type: T;
  schemaVersion: typeof schemaVersion;
  occurredAt: string;
  /** The event (showtime) the change belongs to; also the Kafka key. */
  eventId: string;
  data: BookingMessageData<T>;
}

/** The published JSON Schema of a message (draft 2020-12). */
export const ticketBookingsV1Schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://ticketing.dev/schemas/ticket-bookings.v1.schema.json',
  title: `${bookingsTopic} message, schema version 1`,
  description: `Value of every message on Kafka topic ${bookingsTopic}. Key: eventId. Headers: message-id, message-type, content-type. See docs/events.md.`,
  type: 'object',
  required: ['id', 'type', 'schemaVersion', 'occurredAt', 'eventId', 'data'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', format: 'uuid', description: 'Unique message id; stable when re-sent. Deduplicate on it.' },
    type: { enum: bookingMessageTypes },
    schemaVersion: { const: schemaVersion },
    occurredAt: { type: 'string', format: 'date-time' },
    eventId: { type: 'string', format: 'uuid', description: "The event (showtime); also the Kafka key, so one event's messages stay in order." },
    data: { type: 'object' },
  },
  allOf: Object.keys(dataSchemas).map((payload) => ({
    if: { properties: { type: { enum: bookingMessageTypes.filter((type) => payloadOfType[type] === payload) } } },
    then: { properties: { data: { $ref: `#/$defs/${payload}` } } },
  })),
  $defs: dataSchemas,
};
