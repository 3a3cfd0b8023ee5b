import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { bookingReferencePattern, newBookingReference } from '../src/booking-reference.js';
import { messageSchemaFile, renderMessageSchema } from '../src/write-message-schema.js';
import { validateMessage } from './support.js';

test('the published JSON Schema is the one message-schema.ts describes', async () => {
  assert.equal(
    await readFile(messageSchemaFile, 'utf8'),
    await renderMessageSchema(),
    'schemas/ticket-bookings.v1.schema.json differs from src/message-schema.ts: run `npx tsx services/booking/src/write-message-schema.ts`',
  );
});

test('booking references: what the service issues is what the schema allows, and no more', () => {
  const pattern = new RegExp(bookingReferencePattern);
  for (let i = 0; i < 200; i++) assert.match(newBookingReference(), pattern);
  for (const excluded of ['BK-I000-0000', 'BK-000L-0000', 'BK-0000-O000', 'BK-0000-000U', 'BK-0000-000a']) assert.doesNotMatch(excluded, pattern);
  const message = (bookingReference: string) => ({
    id: crypto.randomUUID(),
    type: 'booking.cancelled',
    schemaVersion: 1,
    occurredAt: new Date().toISOString(),
    eventId: crypto.randomUUID(),
    data: {
      bookingId: crypto.randomUUID(),
      bookingReference,
      buyerId: 'alice',
      seatIds: [],
      generalAdmission: null,
      amount: { cents: 100, currency: 'EUR' },
    },
  });
  assert.ok(validateMessage(message(newBookingReference())), JSON.stringify(validateMessage.errors));
  assert.equal(validateMessage(message('BK-IIII-LLLL')), false, 'letters the service never issues are rejected');
});
