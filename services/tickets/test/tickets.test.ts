import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { compactVerify, createLocalJWKSet } from 'jose';
import type { RunningService } from '@ticketing/platform';
import { generateSigningKeySet } from '@ticketing/platform/signing-keys';
import {
  bookingMessage,
  http,
  pageTextsOfPdf,
  qrCodesOfPdf,
  seedEvent,
  startAfterPurchaseHarness,
  testToken,
  waitUntil,
  type AfterPurchaseHarness,
} from '@ticketing/testing';
import { ticketsDefinition } from '../src/app.js';
import { loadTicketCodes } from '../src/ticket-codes.js';
import { readDeadLetters } from './support.js';

let harness: AfterPurchaseHarness;
let tickets: RunningService;
let buyerId: string;
let buyer: string;
const signingKeys = generateSigningKeySet();
const admin = testToken('tickets-admin', 'admin');
const staff = testToken('door-1', 'staff', { org: 'org-1' });
const otherStaff = testToken('door-9', 'staff', { org: 'org-9' });

before(async () => {
  harness = await startAfterPurchaseHarness();
  buyerId = await harness.addAccount('ana@example.test', 'Ana Lima');
  buyer = testToken(buyerId, 'buyer');
  tickets = await harness.start(ticketsDefinition, { TICKETS_SIGNING_KEYS: signingKeys });
});
after(async () => harness?.close());

const call = (method: string, path: string, options: Parameters<typeof http>[3] = {}) => http(tickets.url, method, path, options);
const confirmed = (seats: number, ga: number, bookingId = randomUUID()) =>
  bookingMessage('booking.confirmed', harness.event.eventId, {
    bookingId,
    bookingReference: `BK-${randomUUID().slice(0, 4).toUpperCase()}-TEST`.replace(/[^A-Z0-9-]/g, 'X'),
    holdId: randomUUID(),
    paymentId: randomUUID(),
    buyerId,
    seatIds: harness.event.seatIds.splice(0, seats),
    generalAdmission: ga > 0 ? { sectionId: harness.event.gaSectionId, quantity: ga } : null,
    amount: { cents: 1000, currency: 'EUR' },
  });
const issued = (bookingId: string) =>
  waitUntil(`tickets of ${bookingId}`, async () => {
    const res = await call('GET', `/bookings/${bookingId}/tickets`, { token: buyer });
    return res.status === 200 && res.body;
  });
const counted = async (outcome: string) => {
  const text = await (await fetch(`${tickets.url}/metrics`)).text();
  return Number(new RegExp(`kafka_consumer_messages_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0);
};

describe('issuing from ticket-bookings', () => {
  test('a confirmed booking delivered twice gets one ticket per seat and place, once', { timeout: 30_000 }, async () => {
    const message = confirmed(2, 2);
    const duplicatesBefore = await counted('duplicate');
    await harness.publish([message, message]);
    const booking = await issued(message.data.bookingId);
    assert.equal(booking.reference, message.data.bookingReference);
    assert.deepEqual(
      booking.tickets.map((t: { label: string }) => t.label),
      ['Stalls · Row A · Seat 1', 'Stalls · Row A · Seat 2', 'Floor · general admission 1 of 2', 'Floor · general admission 2 of 2'],
    );
    await waitUntil('the second copy to be skipped', async () => (await counted('duplicate')) > duplicatesBefore);
    const { rows } = await harness.pool.query('SELECT count(*)::int AS n FROM tickets.tickets WHERE booking_id = $1', [message.data.bookingId]);
    assert.equal(rows[0].n, 4);
  });

  test('a poison message goes to the dead-letter topic with where it came from and why; the next message is processed', { timeout: 30_000 }, async () => {
    const poisonId = randomUUID();
    const next = confirmed(0, 1);
    await harness.publish([{ raw: '{"not": "a booking message"', key: harness.event.eventId, id: poisonId }, next]);
    await issued(next.data.bookingId);
    const [dead] = await readDeadLetters(harness.deadLetterTopic, 1);
    assert.equal(dead?.value, '{"not": "a booking message"');
    assert.equal(dead?.headers['message-id'], poisonId);
    assert.equal(dead?.headers['dlq-topic'], harness.topic);
    assert.equal(dead?.headers['dlq-group'], 'tickets');
    assert.equal(dead?.headers['dlq-attempts'], '3');
    assert.match(dead?.headers['dlq-error'] ?? '', /not JSON/);
    assert.match(dead?.headers['dlq-partition'] ?? '', /^\d+$/);
    assert.match(dead?.headers['dlq-offset'] ?? '', /^\d+$/);
  });
});

describe('the PDF', () => {
  test("the PDF's QR codes, rendered and scanned, verify offline with the published keys and name the tickets", { timeout: 120_000 }, async () => {
    const message = confirmed(1, 2);
    await harness.publish([message]);
    const booking = await issued(message.data.bookingId);
    const pdf = await fetch(`${tickets.url}/bookings/${message.data.bookingId}/tickets.pdf`, { headers: { authorization: `Bearer ${buyer}` } });
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    const file = Buffer.from(await pdf.arrayBuffer());
    const codes = await qrCodesOfPdf(file);
    assert.equal(codes.length, 3, 'one page per ticket');
    // Each page names the event, the venue, the date and time where it happens, the seat or area, the buyer and the booking reference.
    const pages = await pageTextsOfPdf(file);
    const localStart = new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(booking.startsAt));
    assert.equal(pages.length, 3);
    pages.forEach((text, i) => {
      for (const shown of [
        'Test Night',
        'Test Hall, Lisbon',
        booking.tickets[i].label,
        'Buyer: Ana Lima',
        `Booking ${message.data.bookingReference}`,
        `ticket ${i + 1} of 3`,
      ])
        assert.ok(text.includes(shown), `page ${i + 1} shows "${shown}":\n${text}`);
      assert.ok(text.includes(`${localStart} (UTC)`), `page ${i + 1} shows the date and time at the venue (UTC here)`);
    });
    const keys = createLocalJWKSet((await call('GET', '/.well-known/ticket-keys.json')).body);
    const claims = await Promise.all(
      codes.map(async (code) => {
        assert.ok(code, 'every page has a readable QR code');
        const { payload, protectedHeader } = await compactVerify(code, keys);
        assert.equal(protectedHeader.alg, 'EdDSA');
        assert.ok(protectedHeader.kid);
        return JSON.parse(new TextDecoder().decode(payload));
      }),
    );
    assert.deepEqual(
      claims,
      booking.tickets.map((t: { id: string }) => ({ tid: t.id, eid: harness.event.eventId })),
    );
  });

  test('only its buyer and admins get it', async () => {
    const message = confirmed(0, 1);
    await harness.publish([message]);
    await issued(message.data.bookingId);
    const path = `/bookings/${message.data.bookingId}/tickets.pdf`;
    assert.equal((await call('GET', path, { token: testToken(randomUUID(), 'buyer') })).status, 404);
    assert.equal((await call('GET', path, { token: staff })).status, 403);
    assert.equal((await call('GET', path)).status, 401);
    assert.equal((await fetch(`${tickets.url}${path}`, { headers: { authorization: `Bearer ${admin}` } })).status, 200);
  });
});

describe('check-in', () => {
  const scan = (eventId: string, code: string, token = staff, gate = 'north') => call('POST', `/events/${eventId}/check-ins`, { token, body: { code, gate } });

  test('ten gates scanning one ticket at the same moment admit it exactly once', { timeout: 30_000 }, async () => {
    const message = confirmed(0, 1);
    await harness.publish([message]);
    const [ticket] = (await issued(message.data.bookingId)).tickets;
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => scan(harness.event.eventId, ticket.code, staff, `gate-${i}`)));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    assert.ok(answers.filter((a) => a.status === 409).every((a) => a.body.reason === 'already-admitted' && a.body.admittedAt));
    const again = await scan(harness.event.eventId, ticket.code);
    assert.equal(again.body.type, 'https://ticketing.dev/problems/ticket-already-admitted');
  });

  test('unknown, forged, other-event and other-organization scans are refused with a reason', { timeout: 30_000 }, async () => {
    const message = confirmed(0, 1);
    await harness.publish([message]);
    const [ticket] = (await issued(message.data.bookingId)).tickets;
    const [header, payload, signature] = ticket.code.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ tid: randomUUID(), eid: harness.event.eventId })).toString('base64url')}.${signature}`;
    assert.ok(payload);
    const forged = await scan(harness.event.eventId, tampered);
    assert.deepEqual([forged.status, forged.body.reason], [422, 'bad-signature']);
    const garbage = await scan(harness.event.eventId, 'hello');
    assert.deepEqual([garbage.status, garbage.body.reason], [422, 'bad-signature']);
    // Signed with the service's own key, for a ticket that was never issued.
    const neverIssued = await (await loadTicketCodes(signingKeys)).sign({ tid: randomUUID(), eid: harness.event.eventId });
    const unknown = await scan(harness.event.eventId, neverIssued);
    assert.deepEqual([unknown.status, unknown.body.reason, unknown.body.type], [404, 'unknown', 'https://ticketing.dev/problems/ticket-unknown']);
    const other = await seedEvent(harness.pool, { seats: 1 });
    const elsewhere = await scan(other.eventId, ticket.code);
    assert.deepEqual([elsewhere.status, elsewhere.body.reason], [422, 'other-event']);
    assert.equal((await scan(harness.event.eventId, ticket.code, otherStaff)).status, 404, "another organization's staff see no such event");
    assert.equal((await scan(harness.event.eventId, ticket.code, buyer)).status, 403);
    assert.equal((await scan(harness.event.eventId, ticket.code)).status, 200, 'still admissible after the refusals');
  });

  test('a cancelled booking revokes its tickets: refused at the door, listed in the revocation feed, no PDF', { timeout: 30_000 }, async () => {
    const message = confirmed(1, 1);
    await harness.publish([message]);
    const booking = await issued(message.data.bookingId);
    const start = await call('GET', `/events/${harness.event.eventId}/revocations`, { token: staff });
    assert.equal(start.status, 200);
    const { bookingId, bookingReference, seatIds, generalAdmission, amount } = message.data;
    await harness.publish([
      bookingMessage('booking.cancelled', harness.event.eventId, {
        bookingId,
        bookingReference,
        buyerId,
        seatIds,
        generalAdmission,
        amount,
        reason: 'cancelled_by_buyer',
      }),
    ]);
    const feed = await waitUntil('the revocations', async () => {
      const res = await call('GET', `/events/${harness.event.eventId}/revocations?since=${start.body.next}`, { token: staff });
      return res.body.items.length === 2 && res.body;
    });
    assert.deepEqual(feed.items.map((r: { ticketId: string }) => r.ticketId).sort(), booking.tickets.map((t: { id: string }) => t.id).sort());
    assert.deepEqual((await call('GET', `/events/${harness.event.eventId}/revocations?since=${feed.next}`, { token: staff })).body.items, []);
    const refused = await scan(harness.event.eventId, booking.tickets[0].code);
    assert.deepEqual([refused.status, refused.body.reason], [409, 'revoked']);
    assert.equal((await call('GET', `/bookings/${bookingId}/tickets.pdf`, { token: buyer })).status, 410);
    assert.equal((await call('GET', `/events/${harness.event.eventId}/revocations`, { token: otherStaff })).status, 404);
  });
});
