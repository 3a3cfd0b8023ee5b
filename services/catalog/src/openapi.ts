import { idempotencyKeyTtlHours, openApiCommon, withPlatformResponses, type OpenApiDocument, type Operation, type ServiceConfig } from '@ticketing/platform';
import { SEARCH_DEFAULT_PAGE_SIZE } from './search.js';
import { MAX_SEATS_PER_VENUE } from './venues/input.js';

/**
 * The catalog's API. The same schemas validate every request (see
 * `createApi`), so the bounds here are the service's input limits; limits the
 * domain code or the settings own are imported from there, never the reverse.
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const text = (maxLength: number, description?: string) => ({
  type: 'string',
  minLength: 1,
  maxLength,
  pattern: '\\S', // not blank
  ...(description ? { description } : {}),
});
const category = {
  type: 'string',
  minLength: 1,
  maxLength: 50,
  pattern: '^[a-z0-9][a-z0-9_-]*$',
  description: 'Price category slug, e.g. `standard`, `vip`, `floor`.',
};
const coordinate = { type: 'number', minimum: -100_000, maximum: 100_000 };
const uuid = { type: 'string', format: 'uuid' };
/** Timestamps the API answers with; inputs use `openApiCommon.dateTime`, which the database accepts. */
const timestamp = { type: 'string', format: 'date-time' };
const dateTimeInput = openApiCommon.dateTime;

const problem = openApiCommon.problemResponse;
const bearer = [{ bearerAuth: [] }];
const json = (schemaName: string, description: string) => ({
  description,
  content: { 'application/json': { schema: ref(schemaName) } },
});
const readErrors = {
  '400': problem('Malformed id or query parameter'),
  '404': problem('No such resource'),
};
const writeErrors = {
  '400': problem('Malformed JSON, wrong types, unknown fields or values out of bounds'),
  '401': problem('No valid bearer token'),
  '403': problem("The token's role or owner may not do this"),
  '409': problem('A request with the same Idempotency-Key is still in flight, or the change conflicts with the current state'),
  '413': problem('Request body too large'),
  '415': problem('Body is not application/json'),
  '422': problem('Semantically invalid (see `type`), or Idempotency-Key reused with a different body'),
};
const sectionIdQuery = {
  name: 'sectionId',
  in: 'query' as const,
  required: false,
  description: 'Only this section (seat maps of large venues are big; clients may load them section by section).',
  schema: uuid,
};

const createVenue: Operation = {
  operationId: 'createVenue',
  summary: 'Create a venue with its whole seat map',
  description:
    'Seated sections are given as rows (`{ row, seats, category? }`) that the server expands into numbered seats with ' +
    'coordinates: seat `n` of the row at index `i` sits at `x = origin.x + offset + (n - firstNumber)`, `y = origin.y + i`. ' +
    'Without an `origin`, sections are stacked top to bottom one row apart. At most 100 sections and ' +
    `${MAX_SEATS_PER_VENUE} seats. The seat map cannot be changed afterwards (events and bookings refer to its seats).`,
  tags: ['partners'],
  security: bearer,
  parameters: [openApiCommon.idempotencyKeyHeader],
  requestBody: { required: true, content: { 'application/json': { schema: ref('VenueInput') } } },
  responses: {
    '201': json('Venue', 'Created; `Location` names the venue'),
    ...writeErrors,
  },
};

const createEvent: Operation = {
  operationId: 'createEvent',
  summary: 'Create an event (showtime) at one of your venues',
  description:
    "Every category used by the venue's seats and general-admission sections needs exactly one price tier, and all tiers " +
    "share one currency. Partners may only use their organization's venues (admins any); the event belongs to the venue's owner. " +
    '`status` defaults to `on_sale`.',
  tags: ['partners'],
  security: bearer,
  parameters: [openApiCommon.idempotencyKeyHeader],
  requestBody: { required: true, content: { 'application/json': { schema: ref('EventInput') } } },
  responses: {
    '201': json('Event', 'Created; `Location` names the event'),
    ...writeErrors,
  },
};

const updateEvent: Operation = {
  operationId: 'updateEvent',
  summary: "Change an event's title, description, times or status",
  description:
    'Status transitions: `draft` → `on_sale` | `cancelled`; `on_sale` → `cancelled`. A cancelled event cannot be changed ' +
    '(setting `cancelled` again is a no-op). An event on sale cannot go back to draft: buyers may already hold seats.',
  tags: ['partners'],
  security: bearer,
  parameters: [openApiCommon.uuidPathParam('eventId', 'Event id'), openApiCommon.idempotencyKeyHeader],
  requestBody: { required: true, content: { 'application/json': { schema: ref('EventPatch') } } },
  responses: {
    '200': json('Event', 'The updated event'),
    '404': problem('No such event'),
    ...writeErrors,
  },
};

const searchEvents = (pageSizeMax: number): Operation => ({
  operationId: 'searchEvents',
  summary: 'Search events',
  description:
    'Ordered by start time, then id. Pages are linked by an opaque `cursor` (keyset pagination): following ' +
    '`nextCursor` visits every match exactly once, even when many events start at the same time. Timestamps in the ' +
    'query must be URL-encoded (`+` → `%2B`).',
  tags: ['buyers'],
  parameters: [
    { name: 'city', in: 'query', description: 'Venue city, case-insensitive exact match.', schema: text(100) },
    { name: 'from', in: 'query', description: 'Events starting at or after this instant.', schema: dateTimeInput() },
    { name: 'to', in: 'query', description: 'Events starting before this instant.', schema: dateTimeInput() },
    {
      name: 'q',
      in: 'query',
      description: 'Free text (web-search syntax: `"exact phrase"`, `or`, `-exclude`) over title, description and venue name.',
      schema: text(200),
    },
    {
      name: 'status',
      in: 'query',
      description: 'Drafts are never listed.',
      schema: { type: 'string', enum: ['on_sale', 'cancelled'], default: 'on_sale' },
    },
    {
      name: 'limit',
      in: 'query',
      description: 'Page size (the maximum is the SEARCH_PAGE_SIZE_MAX setting).',
      schema: { type: 'integer', minimum: 1, maximum: pageSizeMax, default: Math.min(SEARCH_DEFAULT_PAGE_SIZE, pageSizeMax) },
    },
    { name: 'cursor', in: 'query', description: '`nextCursor` of the previous page.', schema: { type: 'string', minLength: 1, maxLength: 200 } },
  ],
  responses: {
    '200': json('EventPage', 'One page of matches'),
    '304': { description: 'Not modified: the If-None-Match ETag is still current' },
    '400': problem('Malformed query parameter or cursor'),
  },
});

const getEvent: Operation = {
  operationId: 'getEvent',
  summary: 'An event with its venue and price tiers',
  description: 'Drafts are visible only to their owner (and admins), with a bearer token; others get 404.',
  tags: ['buyers'],
  parameters: [openApiCommon.uuidPathParam('eventId', 'Event id')],
  responses: { '200': json('Event', 'The event'), '401': problem('A bearer token was sent but is not valid'), ...readErrors },
};

const getSeatMap: Operation = {
  operationId: 'getEventSeatMap',
  summary: "An event's seat map with prices",
  description:
    "Sections in the partner's order, each with its price; seated sections list their seats with coordinates, " +
    'category and price. Availability is not part of the catalog: the booking service serves it at ' +
    '`GET /events/{eventId}/availability`.',
  tags: ['buyers'],
  parameters: [openApiCommon.uuidPathParam('eventId', 'Event id'), sectionIdQuery],
  responses: { '200': json('SeatMap', 'The seat map'), '401': problem('A bearer token was sent but is not valid'), ...readErrors },
};

const getVenue: Operation = {
  operationId: 'getVenue',
  summary: 'A venue with its sections (without seats)',
  tags: ['venues'],
  parameters: [openApiCommon.uuidPathParam('venueId', 'Venue id')],
  responses: { '200': json('Venue', 'The venue'), ...readErrors },
};

const getVenueSeats: Operation = {
  operationId: 'getVenueSeats',
  summary: 'The seats of a venue',
  tags: ['venues'],
  parameters: [openApiCommon.uuidPathParam('venueId', 'Venue id'), sectionIdQuery],
  responses: { '200': json('VenueSeats', 'Seats ordered by section, then position'), ...readErrors },
};

const venueSummary = {
  type: 'object',
  required: ['id', 'name', 'city', 'address', 'timezone'],
  properties: { id: uuid, name: { type: 'string' }, city: { type: 'string' }, address: { type: 'string' }, timezone: { type: 'string' } },
};

/** At most this many venues or events in one of a partner's lists (the newest / soonest first). */
export const PARTNER_LIST_MAX = 200;

const partnerList = (operationId: string, summary: string, item: string): Operation => ({
  operationId,
  summary,
  description: `Partners see their organization's, admins their own. At most ${PARTNER_LIST_MAX}.`,
  tags: ['partners'],
  security: bearer,
  responses: {
    '200': {
      description: summary,
      content: { 'application/json': { schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref(item) } } } } },
    },
    '401': problem('No valid bearer token'),
    '403': problem("The token's role may not do this"),
  },
});

/** The catalog's API without the parts that depend on settings. */
const catalogDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Catalog service',
    version: '1.0.0',
    description:
      'Venues with seat maps, events (showtimes) with price tiers, and event search. Reads are public; writes need a ' +
      "bearer token with role `partner` (its organization's venues and events only) or `admin`, and accept an `Idempotency-Key`. " +
      'Errors are RFC 9457 `application/problem+json`. Seat availability, holds and bookings belong to the booking ' +
      'service (`GET /events/{eventId}/availability` there).',
  },
  tags: [
    { name: 'buyers', description: 'Public reads for buyers' },
    { name: 'venues', description: 'Venues and seat maps' },
    { name: 'partners', description: 'Writes for partners (organizers of one organization)' },
  ],
  paths: {
    '/venues': { post: createVenue },
    '/venues/{venueId}': { get: getVenue },
    '/venues/{venueId}/seats': { get: getVenueSeats },
    '/events': { post: createEvent },
    '/events/{eventId}': { get: getEvent, patch: updateEvent },
    '/events/{eventId}/seat-map': { get: getSeatMap },
    '/partner/venues': { get: partnerList('listPartnerVenues', 'Your venues, newest first, with the price categories they use', 'PartnerVenue') },
    '/partner/events': { get: partnerList('listPartnerEvents', 'Your events in every status (drafts too), soonest first', 'Event') },
  },
  components: {
    securitySchemes: { bearerAuth: openApiCommon.bearerAuth },
    schemas: {
      Problem: openApiCommon.problemSchema,

      // ---- inputs -------------------------------------------------------
      RowInput: {
        type: 'object',
        additionalProperties: false,
        required: ['row', 'seats'],
        properties: {
          row: { type: 'string', pattern: '^[A-Za-z0-9-]{1,10}$', description: 'Row label, unique in its section.' },
          seats: { type: 'integer', minimum: 1, maximum: 500, description: 'Seats in the row, numbered from `firstNumber`.' },
          firstNumber: { type: 'integer', minimum: 1, maximum: 10_000, default: 1 },
          offset: { type: 'number', minimum: -1_000, maximum: 1_000, default: 0, description: 'Horizontal shift of the row.' },
          category: { ...category, description: "Price category of the row; defaults to the section's." },
        },
      },
      SeatedSectionInput: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'kind', 'category', 'rows'],
        properties: {
          name: text(100, 'Unique in the venue.'),
          kind: { const: 'seated' },
          category: { ...category, description: 'Default price category of its rows.' },
          origin: {
            type: 'object',
            additionalProperties: false,
            required: ['x', 'y'],
            properties: { x: coordinate, y: coordinate },
            description: 'Position of the first seat of the first row.',
          },
          rows: { type: 'array', minItems: 1, maxItems: 500, items: ref('RowInput') },
        },
      },
      GeneralAdmissionSectionInput: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'kind', 'category', 'capacity'],
        properties: {
          name: text(100, 'Unique in the venue.'),
          kind: { const: 'general_admission' },
          category,
          capacity: { type: 'integer', minimum: 1, maximum: 100_000 },
        },
      },
      SectionInput: {
        description:
          'A `SeatedSectionInput` or a `GeneralAdmissionSectionInput`, chosen by `kind` (if/then rather than oneOf, ' +
          'so that errors name only the fields of the intended kind).',
        type: 'object',
        required: ['kind'],
        properties: { kind: { type: 'string', enum: ['seated', 'general_admission'] } },
        allOf: [
          { if: { type: 'object', required: ['kind'], properties: { kind: { const: 'seated' } } }, then: ref('SeatedSectionInput') },
          { if: { type: 'object', required: ['kind'], properties: { kind: { const: 'general_admission' } } }, then: ref('GeneralAdmissionSectionInput') },
        ],
      },
      VenueInput: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'city', 'sections'],
        properties: {
          name: text(200),
          city: text(100),
          address: { type: 'string', maxLength: 500 },
          timezone: { type: 'string', minLength: 1, maxLength: 64, default: 'UTC', description: 'IANA time zone, e.g. `Europe/Berlin`.' },
          sections: {
            type: 'array',
            minItems: 1,
            maxItems: 100,
            items: ref('SectionInput'),
          },
        },
      },
      PriceTier: {
        type: 'object',
        additionalProperties: false,
        required: ['category', 'priceCents', 'currency'],
        properties: {
          category,
          priceCents: { type: 'integer', minimum: 0, maximum: 10_000_000 },
          currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 code.' },
        },
      },
      EventInput: {
        type: 'object',
        additionalProperties: false,
        required: ['venueId', 'title', 'startsAt', 'endsAt', 'priceTiers'],
        properties: {
          venueId: uuid,
          title: text(200),
          description: { type: 'string', maxLength: 5_000 },
          startsAt: dateTimeInput(),
          endsAt: dateTimeInput('After `startsAt`.'),
          priceTiers: { type: 'array', minItems: 1, maxItems: 50, items: ref('PriceTier') },
          status: { type: 'string', enum: ['draft', 'on_sale'], default: 'on_sale' },
        },
      },
      EventPatch: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          title: text(200),
          description: { type: 'string', maxLength: 5_000 },
          startsAt: dateTimeInput(),
          endsAt: dateTimeInput(),
          status: { type: 'string', enum: ['draft', 'on_sale', 'cancelled'] },
        },
      },

      // ---- outputs ------------------------------------------------------
      Section: {
        type: 'object',
        required: ['id', 'name', 'kind', 'category', 'capacity'],
        properties: {
          id: uuid,
          name: { type: 'string' },
          kind: { type: 'string', enum: ['seated', 'general_admission'] },
          category: { type: 'string', description: 'GA: its price category; seated: the default category of its rows.' },
          capacity: { type: 'integer', description: 'Seats (seated) or places (general admission).' },
        },
      },
      Venue: {
        type: 'object',
        required: ['id', 'name', 'city', 'address', 'timezone', 'capacity', 'sections', 'createdAt'],
        properties: {
          ...venueSummary.properties,
          capacity: { type: 'integer', description: 'Seats plus general-admission places.' },
          sections: { type: 'array', items: ref('Section') },
          createdAt: timestamp,
        },
      },
      PartnerVenue: {
        allOf: [ref('Venue')],
        type: 'object',
        required: ['categories'],
        properties: {
          categories: {
            type: 'array',
            items: { type: 'string' },
            description: 'Every price category its seats and areas use: an event needs a tier for each.',
          },
        },
      },
      Seat: {
        type: 'object',
        required: ['id', 'sectionId', 'row', 'number', 'x', 'y', 'category'],
        properties: {
          id: uuid,
          sectionId: uuid,
          row: { type: 'string' },
          number: { type: 'integer' },
          x: { type: 'number' },
          y: { type: 'number' },
          category: { type: 'string' },
        },
      },
      VenueSeats: {
        type: 'object',
        required: ['venueId', 'seats'],
        properties: { venueId: uuid, seats: { type: 'array', items: ref('Seat') } },
      },
      VenueSummary: venueSummary,
      PriceTierOut: {
        type: 'object',
        required: ['category', 'priceCents', 'currency'],
        properties: { category: { type: 'string' }, priceCents: { type: 'integer' }, currency: { type: 'string' } },
      },
      Event: {
        type: 'object',
        required: ['id', 'title', 'description', 'startsAt', 'endsAt', 'status', 'venue', 'priceTiers', 'createdAt', 'updatedAt'],
        properties: {
          id: uuid,
          title: { type: 'string' },
          description: { type: 'string' },
          startsAt: timestamp,
          endsAt: timestamp,
          status: { type: 'string', enum: ['draft', 'on_sale', 'cancelled'] },
          venue: ref('VenueSummary'),
          priceTiers: { type: 'array', items: ref('PriceTierOut') },
          createdAt: timestamp,
          updatedAt: timestamp,
        },
      },
      EventPage: {
        type: 'object',
        required: ['items', 'nextCursor'],
        properties: {
          items: { type: 'array', items: ref('Event') },
          nextCursor: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null on the last page.' },
        },
      },
      SeatMapSeat: {
        type: 'object',
        required: ['id', 'row', 'number', 'x', 'y', 'category', 'priceCents'],
        properties: {
          id: uuid,
          row: { type: 'string' },
          number: { type: 'integer' },
          x: { type: 'number' },
          y: { type: 'number' },
          category: { type: 'string' },
          priceCents: { type: 'integer' },
        },
      },
      SeatMapSection: {
        type: 'object',
        required: ['id', 'name', 'kind', 'category', 'capacity', 'seats'],
        properties: {
          ...{ id: uuid, name: { type: 'string' }, kind: { type: 'string', enum: ['seated', 'general_admission'] } },
          category: { type: 'string' },
          capacity: { type: 'integer' },
          priceCents: { type: 'integer', description: 'General admission: the price of one place.' },
          seats: { type: 'array', items: ref('SeatMapSeat'), description: 'Empty for general admission.' },
        },
      },
      SeatMap: {
        type: 'object',
        required: ['eventId', 'status', 'currency', 'venue', 'priceTiers', 'sections'],
        properties: {
          eventId: uuid,
          status: { type: 'string', enum: ['draft', 'on_sale', 'cancelled'] },
          currency: { type: 'string' },
          venue: ref('VenueSummary'),
          priceTiers: { type: 'array', items: ref('PriceTierOut') },
          sections: { type: 'array', items: ref('SeatMapSection') },
        },
      },
    },
  },
};

/** The document for the given limits. */
export function buildCatalogOpenApi(limits: { searchPageSizeMax: number; idempotencyKeyTtlHours: number }): OpenApiDocument {
  const { paths } = catalogDocument;
  // Every operation reads or writes PostgreSQL.
  return withPlatformResponses(
    { ...catalogDocument, paths: { ...paths, '/events': { get: searchEvents(limits.searchPageSizeMax), ...paths['/events'] } } },
    { database: true, idempotencyKeyTtlHours: limits.idempotencyKeyTtlHours },
  );
}

/** The document a catalog serves: its limits are the running service's settings. */
export const catalogOpenApi = (config: ServiceConfig): OpenApiDocument =>
  buildCatalogOpenApi({
    searchPageSizeMax: config.integer('SEARCH_PAGE_SIZE_MAX'),
    idempotencyKeyTtlHours: idempotencyKeyTtlHours(config),
  });
