import { fileURLToPath } from 'node:url';
import { HttpProblem, inputOf, principalOf, problems, requireRole, tokenVerifierFrom, type Principal, type ServiceDefinition } from '@ticketing/platform';
import { readBookingMessage } from '@ticketing/booking/message-reader';
import { findEventSummary } from '@ticketing/catalog/event-summary';
import type { Request } from 'express';
import { applyBookingMessage } from './issuing.js';
import { ticketsOpenApi } from './openapi.js';
import { renderReceipt } from './receipt.js';
import { ticketsConsumerGroup, ticketsService } from './service.js';
import { loadTicketCodes } from './ticket-codes.js';
import { checkIn, findIssuedBooking, revocationsSince, type CheckInOutcome, type IssuedBooking } from './tickets.js';

/** The schema this service owns; no other service reads it. */
export const TICKETS_SCHEMA = 'tickets';

const refusal = (outcome: Exclude<CheckInOutcome, { kind: 'admitted' }>): HttpProblem => {
  switch (outcome.kind) {
    case 'unknown':
      return new HttpProblem(404, 'ticket-unknown', 'Unknown ticket', 'no ticket was issued with this code', { reason: 'unknown' });
    case 'other-event':
      return problems.unprocessable('ticket-other-event', 'Ticket of another event', 'this ticket is for another event', { reason: 'other-event' });
    case 'revoked':
      return problems.conflict('ticket-revoked', 'Ticket revoked', 'the booking of this ticket was cancelled', {
        reason: 'revoked',
        revokedAt: outcome.revokedAt.toISOString(),
      });
    case 'already-admitted':
      return problems.conflict('ticket-already-admitted', 'Already admitted', `this ticket was admitted at ${outcome.admittedAt.toISOString()}`, {
        reason: 'already-admitted',
        admittedAt: outcome.admittedAt.toISOString(),
        gate: outcome.gate,
      });
  }
};

/** A buyer sees only their own booking; anyone else's is "not found", so ids reveal nothing. */
function visibleTo(principal: Principal, booking: IssuedBooking | undefined): booking is IssuedBooking {
  return booking !== undefined && (principal.role === 'admin' || booking.buyerId === principal.sub);
}

export const ticketsDefinition: ServiceDefinition = {
  declaration: ticketsService,
  openApi: ticketsOpenApi,
  database: { schema: TICKETS_SCHEMA, migrations: fileURLToPath(new URL('../migrations', import.meta.url)) },
  async setup(ctx) {
    const { api, config } = ctx;
    const pool = ctx.requirePool();
    const codes = await loadTicketCodes(config.string('TICKETS_SIGNING_KEYS'));
    const verifier = tokenVerifierFrom(config);
    const buyer = requireRole(verifier, 'buyer', 'admin');
    const door = requireRole(verifier, 'staff', 'partner', 'admin');

    await ctx.consume({
      topic: config.string('KAFKA_TOPIC_BOOKINGS'),
      group: ticketsConsumerGroup,
      handle: (message, _partition, tx) => applyBookingMessage(tx, readBookingMessage(message.value)),
    });

    /** The booking of the path as its buyer (or an admin) may see it. */
    const ownBooking = async (req: Request): Promise<IssuedBooking> => {
      const { bookingId } = inputOf(req).params as { bookingId: string };
      const booking = await findIssuedBooking(pool, bookingId);
      if (!visibleTo(principalOf(req), booking)) throw problems.notFound(`tickets of booking ${bookingId}`);
      return booking;
    };
    /** The event of the path, when the caller works for its organization (or is an admin). */
    const doorEvent = async (req: Request): Promise<string> => {
      const { eventId } = inputOf(req).params as { eventId: string };
      const principal = principalOf(req);
      const event = await findEventSummary(pool, eventId);
      if (!event || (principal.role !== 'admin' && principal.org !== event.organizationId)) throw problems.notFound(`event ${eventId}`);
      return eventId;
    };
    const codesOf = async (booking: IssuedBooking) =>
      new Map(await Promise.all(booking.tickets.map(async (t) => [t.id, await codes.sign({ tid: t.id, eid: booking.eventId })] as const)));

    api.operation('get', '/.well-known/ticket-keys.json', (_req, res) => {
      // Scanners cache the set; a short max-age bounds how long a newly added key stays unseen.
      res.set('Cache-Control', 'public, max-age=300').json(codes.publicJwks);
    });

    api.operation('get', '/bookings/{bookingId}/tickets', buyer, async (req, res) => {
      const booking = await ownBooking(req);
      const signed = await codesOf(booking);
      res.json({
        bookingId: booking.bookingId,
        reference: booking.reference,
        eventId: booking.eventId,
        eventTitle: booking.eventTitle,
        venue: booking.venue,
        startsAt: booking.startsAt.toISOString(),
        status: booking.status,
        tickets: booking.tickets.map((t) => ({
          id: t.id,
          label: t.label,
          status: t.revokedAt ? 'revoked' : t.admittedAt ? 'admitted' : 'valid',
          admittedAt: t.admittedAt?.toISOString() ?? null,
          code: t.revokedAt ? null : signed.get(t.id),
        })),
      });
    });

    api.operation('get', '/bookings/{bookingId}/tickets.pdf', buyer, async (req, res) => {
      const booking = await ownBooking(req);
      if (booking.status === 'cancelled')
        throw new HttpProblem(410, 'booking-cancelled', 'Booking cancelled', 'the booking was cancelled; its tickets are revoked');
      const pdf = await renderReceipt(booking, await codesOf(booking));
      res
        .status(200)
        .set({
          'Content-Type': 'application/pdf',
          'Content-Disposition': `attachment; filename="tickets-${booking.reference}.pdf"`,
          'Cache-Control': 'private, no-store',
        })
        .end(pdf);
    });

    api.operation('post', '/events/{eventId}/check-ins', door, async (req, res) => {
      const eventId = await doorEvent(req);
      const { code, gate } = inputOf(req).body as { code: string; gate?: string };
      const claims = await codes.verify(code);
      if (!claims)
        throw problems.unprocessable('ticket-code-invalid', 'Not a ticket', 'the code is not signed by a published ticket key', { reason: 'bad-signature' });
      if (claims.eid !== eventId) throw refusal({ kind: 'other-event', eventId: claims.eid });
      const outcome = await checkIn(pool, { ticketId: claims.tid, eventId, gate: gate ?? null, by: principalOf(req).sub });
      if (outcome.kind !== 'admitted') throw refusal(outcome);
      res.json({ admitted: true, ticketId: outcome.ticketId, label: outcome.label, admittedAt: outcome.admittedAt.toISOString() });
    });

    api.operation('get', '/events/{eventId}/revocations', door, async (req, res) => {
      const eventId = await doorEvent(req);
      const { since, limit } = inputOf(req).query as { since: number; limit: number };
      const items = await revocationsSince(pool, eventId, since, limit);
      res.json({ items: items.map(({ ticketId, revokedAt }) => ({ ticketId, revokedAt })), next: Number(items.at(-1)?.cursor ?? since) });
    });
  },
};
