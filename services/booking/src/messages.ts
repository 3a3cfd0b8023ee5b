import { randomUUID } from 'node:crypto';
import type { Tx } from '@ticketing/platform';
import { schemaVersion, type BookingMessage, type BookingMessageData, type BookingMessageType } from './message-schema.js';
import { named } from './statements.js';

export { bookingMessageTypes, type BookingMessage, type BookingMessageData, type BookingMessageType } from './message-schema.js';

/**
 * The transactional outbox of one topic: messages are written in the
 * caller's transaction and relayed to Kafka after commit (outbox-relay.ts).
 * The format is message-schema.ts; changing a field's meaning means a new
 * schemaVersion.
 */
export interface Outbox {
  readonly topic: string;
  /** Writes a message keyed by `eventId` inside the caller's transaction. */
  enqueue<T extends BookingMessageType>(tx: Tx, type: T, eventId: string, data: BookingMessageData<T>): Promise<BookingMessage<T>>;
}

export function createOutbox(topic: string): Outbox {
  return {
    topic,
    async enqueue(tx, type, eventId, data) {
      const message: BookingMessage<typeof type> = { id: randomUUID(), type, schemaVersion, occurredAt: new Date().toISOString(), eventId, data };
      await tx.query(named('create-outbox', `INSERT INTO booking.outbox (message_id, topic, message_key, type, payload) VALUES ($1, $2, $3, $4, $5::jsonb)`), [
        message.id,
        topic,
        eventId,
        type,
        JSON.stringify(message),
      ]);
      return message;
    },
  };
}
