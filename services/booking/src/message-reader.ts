import { bookingMessageTypes, schemaVersion, type BookingMessage } from './message-schema.js';

/**
 * For consumers of the bookings topic: the message in a record's value, or
 * an error naming what is wrong (the consumer dead-letters it). Only the
 * envelope is checked here; `data` is as the schema of its `type` says.
 */
export function readBookingMessage(value: Buffer | null): BookingMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value?.toString('utf8') ?? '');
  } catch {
    throw new Error('the value is not JSON');
  }
  const message = parsed as Partial<BookingMessage> | null;
  if (typeof message !== 'object' || message === null || typeof message.id !== 'string') throw new Error('the value has no message id');
  if (message.schemaVersion !== schemaVersion) throw new Error(`schemaVersion ${String(message.schemaVersion)} is not understood (expected ${schemaVersion})`);
  if (!bookingMessageTypes.includes(message.type as never)) throw new Error(`unknown message type ${String(message.type)}`);
  if (typeof message.eventId !== 'string' || typeof message.data !== 'object' || message.data === null) throw new Error('the message has no eventId or data');
  return message as BookingMessage;
}

/** Narrows a message to one type, so its `data` is typed. */
export function isOfType<T extends BookingMessage['type']>(message: BookingMessage, type: T): message is BookingMessage<T> {
  return message.type === type;
}
