import { randomInt } from 'node:crypto';

/** Crockford base32 without I, L, O, U: easy to read out over the phone. */
const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const group = `[${alphabet}]{4}`;

/** What every booking reference matches; the API document and the message schema state it. */
export const bookingReferencePattern = `^BK-${group}-${group}$`;

/** A human-friendly booking reference such as `BK-7KQ3-MX9D` (40 bits of randomness). */
export function newBookingReference(): string {
  const chars = Array.from({ length: 8 }, () => alphabet[randomInt(alphabet.length)]);
  return `BK-${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}
