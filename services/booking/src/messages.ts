import { randomUUID } from 'node:crypto';
import type { Tx } from '@ticketing/platform';

/**
 * Messages on the `ticket-bookings` topic. The envelope and every type are
 * documented in docs/events.md and schemas/ticket-bookings.v1.schema.json;
 * changing a field's meaning means a new schemaVersion.
 */
export const bookingMessageTypes = [
  'hold.created',
  'hold.extended',
  'hold.expired',
  'hold.released',
  'booking.confirmed',
  'booking.cancelled',
  'payment.refunded',
] as const;
export type BookingMessageType = (typeof bookingMessageTypes)[number];

export const schemaVersion = 1;

export interface BookingMessage {
  /** Unique message id; consumers deduplicate on it. Stable across re-sends. */
  id: string;
  type: BookingMessageType;
  schemaVersion: typeof schemaVersion;
  occurredAt: string;
  /** The event (showtime) the change belongs to; also the Kafka key. */
  eventId: string;
  data: Record<string, unknown>;
}

/** Writes a message to the outbox inside the caller's transaction. */
export async function enqueueMessage(tx: Tx, topic: string, type: BookingMessageType, eventId: string, data: Record<string, unknown>): Promise<BookingMessage> {
  const message: BookingMessage = {
    id: randomUUID(),
    type,
    schemaVersion,
    occurredAt: new Date().toISOString(),
    eventId,
    data,
  };
  await tx.query(`INSERT INTO booking.outbox (message_id, topic, message_key, type, payload) VALUES ($1, $2, $3, $4, $5::jsonb)`, [
    message.id,
    topic,
    eventId,
    type,
    JSON.stringify(message),
  ]);
  return message;
}
