import { idempotencyKeyTtlHours, openApiCommon, withPlatformResponses, type OpenApiDocument, type ServiceConfig } from '@ticketing/platform';

const { problemResponse, uuidPathParam } = openApiCommon;
const bearer = [{ bearerAuth: [] }];
const json = (schema: unknown, description: string) => ({ description, content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const dateTime = { type: 'string', format: 'date-time' };
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' };

const ticketsDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Tickets service',
    version: '1.0.0',
    description:
      'One ticket per seat or place of every confirmed booking, issued from the ticket-bookings topic. Each ticket carries a QR code: a compact ' +
      'JWS (EdDSA, `kid` in the header) that door scanners verify offline against `/.well-known/ticket-keys.json`. Check-in admits a ticket once; ' +
      'a cancelled booking revokes its tickets, and scanners follow the revocations of an event with a `since` cursor.',
  },
  tags: [
    { name: 'buyer', description: "A buyer's tickets and their PDF" },
    { name: 'door', description: 'Check-in and revocations, for the staff of the event’s organization' },
    { name: 'keys', description: 'Public keys that verify ticket codes' },
  ],
  paths: {
    '/.well-known/ticket-keys.json': {
      get: {
        operationId: 'getTicketKeys',
        summary: 'Public keys that verify ticket codes (current and previous)',
        tags: ['keys'],
        responses: { '200': json(ref('Jwks'), 'Key set') },
      },
    },
    '/bookings/{bookingId}/tickets': {
      get: {
        operationId: 'getBookingTickets',
        summary: "A booking's tickets with their codes (its buyer, or admins)",
        tags: ['buyer'],
        security: bearer,
        parameters: [uuidPathParam('bookingId', 'Booking id')],
        responses: {
          '200': json(ref('BookingTickets'), 'Tickets'),
          '404': problemResponse('No such booking (or not yours), or its tickets are not issued yet'),
        },
      },
    },
    '/bookings/{bookingId}/tickets.pdf': {
      get: {
        operationId: 'getBookingTicketsPdf',
        summary: "A booking's PDF: one page per ticket with its QR code (its buyer, or admins)",
        tags: ['buyer'],
        security: bearer,
        parameters: [uuidPathParam('bookingId', 'Booking id')],
        responses: {
          '200': { description: 'The PDF', content: { 'application/pdf': { schema: { type: 'string', contentMediaType: 'application/pdf' } } } },
          '404': problemResponse('No such booking (or not yours), or its tickets are not issued yet'),
          '410': problemResponse('The booking was cancelled; its tickets are revoked'),
        },
      },
    },
    '/events/{eventId}/check-ins': {
      post: {
        operationId: 'checkIn',
        summary: 'Admit the ticket of a scanned code, once (staff or partners of the event’s organization, or admins)',
        description:
          'Refusals say why in `type` and `reason`: `ticket-code-invalid` (not signed by a published key), `ticket-unknown`, ' +
          '`ticket-other-event`, `ticket-revoked`, `ticket-already-admitted` (with when and at which gate).',
        tags: ['door'],
        security: bearer,
        parameters: [uuidPathParam('eventId', 'Event id')],
        requestBody: { required: true, content: { 'application/json': { schema: ref('CheckInRequest') } } },
        responses: {
          '200': json(ref('Admission'), 'Admitted'),
          '404': problemResponse('No such event (or not your organization’s), or the ticket is unknown'),
          '409': problemResponse('The ticket is revoked or was already admitted'),
          '422': problemResponse('The code is not a valid ticket code, or is a ticket of another event'),
        },
      },
    },
    '/events/{eventId}/revocations': {
      get: {
        operationId: 'listRevocations',
        summary: 'Tickets of the event revoked after `since`, oldest first (staff or partners of the event’s organization, or admins)',
        tags: ['door'],
        security: bearer,
        parameters: [
          uuidPathParam('eventId', 'Event id'),
          {
            name: 'since',
            in: 'query',
            required: false,
            description: 'The `next` of the previous page; 0 or absent from the start.',
            schema: { type: 'integer', minimum: 0, default: 0 },
          },
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 500 } },
        ],
        responses: { '200': json(ref('Revocations'), 'Revocations'), '404': problemResponse('No such event (or not your organization’s)') },
      },
    },
  },
  components: {
    securitySchemes: { bearerAuth: openApiCommon.bearerAuth },
    schemas: {
      Problem: openApiCommon.problemSchema,
      Jwks: { type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: { type: 'object' } } } },
      CheckInRequest: {
        type: 'object',
        additionalProperties: false,
        required: ['code'],
        properties: {
          code: { type: 'string', minLength: 1, maxLength: 2000, description: 'The text of the scanned QR code.' },
          gate: { type: 'string', minLength: 1, maxLength: 50, description: 'Which entrance scanned it.' },
        },
      },
      Admission: {
        type: 'object',
        required: ['admitted', 'ticketId', 'label', 'admittedAt'],
        properties: { admitted: { const: true }, ticketId: { type: 'string', format: 'uuid' }, label: { type: 'string' }, admittedAt: dateTime },
      },
      Ticket: {
        type: 'object',
        required: ['id', 'label', 'status', 'admittedAt', 'code'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          label: { type: 'string' },
          status: { enum: ['valid', 'admitted', 'revoked'] },
          admittedAt: nullableDateTime,
          code: { type: ['string', 'null'], description: 'The QR code text; null once revoked.' },
        },
      },
      BookingTickets: {
        type: 'object',
        required: ['bookingId', 'reference', 'eventId', 'eventTitle', 'venue', 'startsAt', 'status', 'tickets'],
        properties: {
          bookingId: { type: 'string', format: 'uuid' },
          reference: { type: 'string' },
          eventId: { type: 'string', format: 'uuid' },
          eventTitle: { type: 'string' },
          venue: { type: 'string' },
          startsAt: dateTime,
          status: { enum: ['confirmed', 'cancelled'] },
          tickets: { type: 'array', items: ref('Ticket') },
        },
      },
      Revocations: {
        type: 'object',
        required: ['items', 'next'],
        properties: {
          items: {
            type: 'array',
            items: { type: 'object', required: ['ticketId', 'revokedAt'], properties: { ticketId: { type: 'string', format: 'uuid' }, revokedAt: dateTime } },
          },
          next: { type: 'integer', description: 'Pass as `since` to get later revocations.' },
        },
      },
    },
  },
};

export const ticketsOpenApi = (config: ServiceConfig): OpenApiDocument =>
  withPlatformResponses(ticketsDocument, { database: true, idempotencyKeyTtlHours: idempotencyKeyTtlHours(config) });
