/**
 * Booking's own test support: its message schema. The booking service
 * in-process (startBookingHarness, bookingEnv) is in @ticketing/testing.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const messageSchema = JSON.parse(readFileSync(new URL('../schemas/ticket-bookings.v1.schema.json', import.meta.url), 'utf8'));
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
/** Validates a ticket-bookings message against its published JSON Schema; errors on `.errors`. */
export const validateMessage = addFormats(new Ajv2020({ allErrors: true })).compile(messageSchema);
