import type { FromSchema } from 'json-schema-to-ts';
import { analyticsResultsTopic } from './service.js';

/**
 * The one source of the `analytics-results` message format, schema version
 * 1: the TypeScript type is derived from this schema, and
 * schemas/analytics-results.v1.schema.json (published for consumers) is
 * written from it (`npx tsx services/analytics/src/write-results-schema.ts`;
 * a test fails while the file differs).
 */

const count = { type: 'integer', minimum: 0 } as const;
const centsByCurrency = {
  type: 'object',
  description: 'Cents per ISO 4217 currency code.',
  propertyNames: { pattern: '^[A-Z]{3}$' },
  additionalProperties: { type: 'integer', minimum: 0 },
} as const;
const dateTime = { type: 'string', format: 'date-time' } as const;

export const schemaVersion = 1;

/** The published JSON Schema of a message (draft 2020-12). */
export const analyticsResultsV1Schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://ticketing.dev/schemas/analytics-results.v1.schema.json',
  title: `${analyticsResultsTopic} message, schema version 1`,
  description: `Value of every message on Kafka topic ${analyticsResultsTopic}: one revision of one event's 1-minute sales window. Key: eventId. Headers: message-id, content-type. See docs/events.md.`,
  type: 'object',
  required: [
    'id',
    'type',
    'schemaVersion',
    'eventId',
    'windowStart',
    'windowEnd',
    'revision',
    'ticketsSold',
    'ticketsCancelled',
    'cancellations',
    'holdsCreated',
    'holdsConverted',
    'revenue',
    'refunds',
    'lateMessages',
    'tooLateMessages',
    'watermark',
  ],
  additionalProperties: false,
  properties: {
    id: { type: 'string', description: '`<eventId>/<windowStart>/<revision>`: the same revision always has the same id. Deduplicate on it.' },
    type: { const: 'sales.window' },
    schemaVersion: { const: schemaVersion },
    eventId: { type: 'string', format: 'uuid', description: 'The event (showtime); also the Kafka key.' },
    windowStart: { ...dateTime, description: 'Inclusive start of the 1-minute window, on event time (the bookings messages’ occurredAt).' },
    windowEnd: { ...dateTime, description: 'Exclusive end: windowStart + 1 minute.' },
    revision: { type: 'integer', minimum: 1, description: 'Starts at 1 and grows by 1 with every update of the window; the highest revision is current.' },
    ticketsSold: { ...count, description: 'Seats and general-admission places of bookings confirmed in the window.' },
    ticketsCancelled: { ...count, description: 'Seats and places of bookings cancelled in the window.' },
    cancellations: { ...count, description: 'Bookings cancelled in the window.' },
    holdsCreated: { ...count, description: 'Holds created in the window.' },
    holdsConverted: { ...count, description: 'Bookings confirmed in the window from a hold (the conversions of holds).' },
    revenue: { ...centsByCurrency, description: 'Amounts of bookings confirmed in the window, per currency.' },
    refunds: { ...centsByCurrency, description: 'Amounts of bookings cancelled in the window, per currency.' },
    lateMessages: { ...count, description: "Messages counted after their partition's watermark had passed windowEnd (within the allowed lateness)." },
    tooLateMessages: {
      ...count,
      description: 'Messages for this window that arrived after windowEnd + the allowed lateness: they are not in the figures above, only here.',
    },
    watermark: { ...dateTime, description: "The partition's event-time watermark (latest occurredAt read) after this update." },
  },
} as const;

/** One revision of one window, as it goes on the topic (and on the live stream). */
export type WindowResult = FromSchema<typeof analyticsResultsV1Schema>;
