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
  /**
   * A message and its outbox row's values, for a statement that writes the row itself with
   * outboxInsert(): one round trip less on a hot path.
   */
  compose<T extends BookingMessageType>(type: T, eventId: string, data: BookingMessageData<T>): { message: BookingMessage<T>; values: OutboxValues };
}

/** message_id, topic, message_key, type, payload (JSON). */
export type OutboxValues = [string, string, string, string, string];

/** Inserts one outbox row from five parameters starting at `$first`, in the order of OutboxValues. */
const outboxRow = 'INSERT INTO booking.outbox (message_id, topic, message_key, type, payload)';

export const outboxInsert = (first: number) => `${outboxRow} VALUES ($${first}, $${first + 1}, $${first + 2}, $${first + 3}, $${first + 4}::jsonb)`;

/**
 * Like outboxInsert(), for a message the statement finishes itself: one row per row of `source`,
 * with `fill` setting fields of the message's data (path → SQL expression over `source`), such as a
 * hold's expiry from the database clock. No row of `source`, no message.
 */
export function outboxInsertFrom(first: number, source: string, fill: Record<string, string>): string {
  let payload = `$${first + 4}::jsonb`;
  for (const [path, expression] of Object.entries(fill)) payload = `jsonb_set(${payload}, '{data,${path}}', to_jsonb(${expression}))`;
  return `${outboxRow} SELECT $${first}, $${first + 1}, $${first + 2}, $${first + 3}, ${payload} FROM ${source}`;
}

/** A timestamptz as JavaScript's toISOString() writes it, as every other message time is (migration 006). */
export const isoTimestamp = (column: string) => `booking.iso_timestamp(${column})`;

export function createOutbox(topic: string): Outbox {
  const compose: Outbox['compose'] = (type, eventId, data) => {
    const message: BookingMessage<typeof type> = { id: randomUUID(), type, schemaVersion, occurredAt: new Date().toISOString(), eventId, data };
    return { message, values: [message.id, topic, eventId, type, JSON.stringify(message)] };
  };
  return {
    topic,
    compose,
    async enqueue(tx, type, eventId, data) {
      const { message, values } = compose(type, eventId, data);
      await tx.query(named('create-outbox', outboxInsert(1)), values);
      return message;
    },
  };
}
