import { idempotencyKeyTtlHours, openApiCommon, withPlatformResponses, type OpenApiDocument, type Operation, type ServiceConfig } from '@ticketing/platform';
import { SEARCH_DEFAULT_PAGE_SIZE } from './search.js';
import { eventStatuses, publicStatuses } from './events/input.js';
import { importLimits } from './imports/limits.js';
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
const priceCents = { type: 'integer', minimum: 0, maximum: 10_000_000 };
const currency = { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 code.' };
const coordinate = { type: 'number', minimum: -100_000, maximum: 100_000 };
const uuid = { type: 'string', format: 'uuid' };
const point = (description: string) => ({
  type: 'object',
  additionalProperties: false,
  required: ['x', 'y'],
  properties: { x: coordinate, y: coordinate },
  description,
});
/** Timestamps the API answers with; inputs use `openApiCommon.dateTime`, which the database accepts. */
const timestamp = { type: 'string', format: 'date-time' };
const dateTimeInput = openApiCommon.dateTime;

const problem = openApiCommon.problemResponse;
const naturalKey = {
  type: 'string',
  minLength: 1,
  maxLength: 100,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]*$',
  description: "A partner's own key, unique in its organization.",
};
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
const cursorQuery = {
  name: 'cursor',
  in: 'query' as const,
  description: '`nextCursor` of the previous page.',
  schema: { type: 'string', minLength: 1, maxLength: 200 },
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
    `${MAX_SEATS_PER_VENUE} seats. Afterwards sections and seats can be added and closed (the operations below), never deleted: bookings refer to them.`,
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
      schema: { type: 'string', enum: publicStatuses, default: 'on_sale' },
    },
    {
      name: 'limit',
      in: 'query',
      description: 'Page size (the maximum is the SEARCH_PAGE_SIZE_MAX setting).',
      schema: { type: 'integer', minimum: 1, maximum: pageSizeMax, default: Math.min(SEARCH_DEFAULT_PAGE_SIZE, pageSizeMax) },
    },
    cursorQuery,
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

const setPriceTier: Operation = {
  operationId: 'setEventPriceTier',
  summary: "Add or reprice one of an event's price tiers",
  description:
    "Sets the price of `category` (a category the venue's open seats or sections use) in the event's currency. Existing holds " +
    'and bookings keep the price they were made at; new holds pay the new price. Audited, and published on `catalog-changes` ' +
    '(`event.tier_added` / `event.tier_repriced`).',
  tags: ['partners'],
  security: bearer,
  parameters: [
    openApiCommon.uuidPathParam('eventId', 'Event id'),
    { name: 'category', in: 'path', required: true, description: 'Price category slug.', schema: category },
    openApiCommon.idempotencyKeyHeader,
  ],
  requestBody: { required: true, content: { 'application/json': { schema: ref('PriceTierPatch') } } },
  responses: { '200': json('Event', 'The updated event'), '404': problem('No such event'), ...writeErrors },
};

const addSections: Operation = {
  operationId: 'addVenueSections',
  summary: 'Add sections (and their seats) to a published venue',
  description:
    'The sections are placed below the existing seat map, after its sections; names must be new. Events price the new seats once ' +
    'they have a tier for their category (`PUT /events/{eventId}/price-tiers/{category}`); until then those seats are not on sale. ' +
    'Audited and published (`venue.sections_added`).',
  tags: ['partners'],
  security: bearer,
  parameters: [openApiCommon.uuidPathParam('venueId', 'Venue id'), openApiCommon.idempotencyKeyHeader],
  requestBody: { required: true, content: { 'application/json': { schema: ref('SectionsInput') } } },
  responses: { '200': json('Venue', 'The venue with its sections'), '404': problem('No such venue'), ...writeErrors },
};

const addSeats: Operation = {
  operationId: 'addVenueSeats',
  summary: 'Add seats to a seated section of a published venue',
  description:
    'Rows as in `SeatedSectionInput`. A row whose label the section has continues that row: same `y`, one seat unit per number from ' +
    'its seats (plus `offset`), its category, numbered after its last seat unless `firstNumber` is given (e.g. `{"row": "A", "seats": 2}` ' +
    'adds A11 and A12 to a row A of 10). New rows are laid out from `origin`, by default at the left edge of the section one row below its ' +
    "lowest, numbered from 1, in the section's category. A row's `category` overrides either. The seats go on sale for every event of the venue that prices " +
    'their category, at the price of that event. A seat the section has already (an open seat at the same row and number) is 409 `seats-exist`, ' +
    'naming them in `seats`, and nothing is added; a closed seat there opens again (same id). A closed section is 409 `section-closed`, a general-admission one 409 ' +
    '`section-not-seated`; a section of another venue is 404. Audited and published (`venue.seats_added`).',
  tags: ['partners'],
  security: bearer,
  parameters: [
    openApiCommon.uuidPathParam('venueId', 'Venue id'),
    openApiCommon.uuidPathParam('sectionId', 'Section id (a seated section of the venue)'),
    openApiCommon.idempotencyKeyHeader,
  ],
  requestBody: { required: true, content: { 'application/json': { schema: ref('SeatRowsInput') } } },
  responses: { '200': json('AddedSeats', 'The seats added, with their ids'), '404': problem('No such venue or section'), ...writeErrors },
};

const closeSeatsOperation: Operation = {
  operationId: 'closeVenueSeats',
  summary: 'Close seats of a published venue',
  description:
    'Closed seats leave the seat map and are not sold for any event any more. A seat that a buyer holds or has bought for an event still to come ' +
    '(not over, not cancelled) cannot be closed: 409 `seats-in-use`, naming them in `seatIds`, and nothing is closed. Audited and published (`venue.seats_closed`).',
  tags: ['partners'],
  security: bearer,
  parameters: [openApiCommon.uuidPathParam('venueId', 'Venue id'), openApiCommon.idempotencyKeyHeader],
  requestBody: { required: true, content: { 'application/json': { schema: ref('SeatClosure') } } },
  responses: { '200': json('ClosedSeats', 'The seats closed now (seats closed before are left out)'), '404': problem('No such venue'), ...writeErrors },
};

const closeSectionsOperation: Operation = {
  operationId: 'closeVenueSections',
  summary: 'Close sections of a published venue',
  description:
    'Closed sections (with their seats) leave the seat map and are not sold for any event any more. A section with places that a buyer ' +
    'holds or has bought for an event still to come (a general-admission hold not yet swept counts) cannot be closed: 409 `sections-in-use`, naming them ' +
    'in `sectionIds` (and the seats in `seatIds`), and nothing is closed. A section of another venue is 400. Audited and published (`venue.sections_closed`).',
  tags: ['partners'],
  security: bearer,
  parameters: [openApiCommon.uuidPathParam('venueId', 'Venue id'), openApiCommon.idempotencyKeyHeader],
  requestBody: { required: true, content: { 'application/json': { schema: ref('SectionClosure') } } },
  responses: {
    '200': json('ClosedSections', 'The sections closed now (sections closed before are left out)'),
    '404': problem('No such venue'),
    ...writeErrors,
  },
};

const reopenSectionsOperation: Operation = {
  operationId: 'reopenVenueSections',
  summary: 'Reopen closed sections of a venue',
  description:
    'The sections come back to the seat map with the seats closed with them (seats closed one by one before stay closed), and are on sale again ' +
    'for every event of the venue that prices their category. Sections that are open are left out; a section of another venue is 400. ' +
    'Audited and published (`venue.sections_reopened`).',
  tags: ['partners'],
  security: bearer,
  parameters: [openApiCommon.uuidPathParam('venueId', 'Venue id'), openApiCommon.idempotencyKeyHeader],
  requestBody: { required: true, content: { 'application/json': { schema: ref('SectionClosure') } } },
  responses: {
    '200': json('ReopenedSections', 'The sections reopened now'),
    '404': problem('No such venue'),
    ...writeErrors,
  },
};

const afterQuery = { name: 'after', in: 'query' as const, description: '`nextAfter` of the previous page.', schema: { type: 'integer', minimum: 0 } };
const limitQuery = { name: 'limit', in: 'query' as const, description: 'Page size.', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } };

const getEventChanges: Operation = {
  operationId: 'getEventChanges',
  summary: "An event's audit trail: who changed what, when",
  description: 'Oldest first. The same entries are the messages of the `catalog-changes` topic (docs/events.md). Owner and admins only.',
  tags: ['partners'],
  security: bearer,
  parameters: [openApiCommon.uuidPathParam('eventId', 'Event id'), afterQuery, limitQuery],
  responses: {
    '200': json('ChangePage', 'One page of changes'),
    '401': problem('No valid bearer token'),
    '403': problem('Not a partner or admin'),
    ...readErrors,
  },
};

const getVenueChanges: Operation = {
  ...getEventChanges,
  operationId: 'getVenueChanges',
  summary: "A venue's audit trail",
  parameters: [openApiCommon.uuidPathParam('venueId', 'Venue id'), afterQuery, limitQuery],
};

const createImport: Operation = {
  operationId: 'createImport',
  summary: 'Upload a file of venues and events (showtimes) to import',
  description:
    'The body is the file itself, streamed: `text/csv` (events only) or `application/x-ndjson` (JSON Lines: venues and events), ' +
    'UTF-8, optionally `Content-Encoding: gzip`; formats in docs/catalog.md. The upload is checked as it arrives (encoding, ' +
    `line length up to ${importLimits.maxLineBytesDefault} bytes by default, CSV columns, total size) and stored; the import then runs as a job: ` +
    '`GET /imports/{importId}` reports its progress. Re-sending the same file under the same `importId` answers the existing job (200); ' +
    'a different file under a used id is a 409. Rows are keyed by their natural `key`: importing a row again changes nothing. ' +
    '`mode=file` imports nothing if any row is rejected; `mode=batch` commits each batch of `batchSize` rows that has no rejected row.',
  tags: ['partners'],
  security: bearer,
  parameters: [
    { name: 'importId', in: 'query', description: 'Your id for this import (a UUID); retries with it never import twice.', schema: uuid },
    {
      name: 'mode',
      in: 'query',
      description: 'All-or-nothing per `file` or per `batch`.',
      schema: { type: 'string', enum: ['file', 'batch'], default: 'file' },
    },
    { name: 'batchSize', in: 'query', description: 'Rows per batch.', schema: { type: 'integer', minimum: 1, maximum: 10_000, default: 1_000 } },
  ],
  responses: {
    '200': json('ImportJob', 'This file was uploaded under this id before: its job'),
    '202': json('ImportJob', 'Stored; the job runs. `Location` names it'),
    '400': problem('Empty file or malformed query parameter'),
    '401': problem('No valid bearer token'),
    '403': problem('Not a partner or admin'),
    '409': problem('The import id was used for a different file'),
    '413': problem('The file (after decompression) is larger than IMPORT_MAX_BYTES'),
    '415': problem('Not CSV or JSON Lines, not UTF-8, or an unsupported Content-Encoding'),
    '422': problem('Not valid UTF-8, a line longer than IMPORT_MAX_LINE_BYTES, or CSV columns missing or unknown'),
  },
};

const getImport: Operation = {
  operationId: 'getImport',
  summary: "An import job's progress and outcome",
  tags: ['partners'],
  security: bearer,
  parameters: [openApiCommon.uuidPathParam('importId', 'Import id')],
  responses: { '200': json('ImportJob', 'The job'), '401': problem('No valid bearer token'), '403': problem('Not a partner or admin'), ...readErrors },
};

const getImportRejections: Operation = {
  operationId: 'getImportRejections',
  summary: 'The rejected rows of an import: line, field, reason',
  tags: ['partners'],
  security: bearer,
  parameters: [openApiCommon.uuidPathParam('importId', 'Import id'), { ...afterQuery, description: 'Only lines after this one.' }, limitQuery],
  responses: {
    '200': json('RejectionPage', 'One page, by line'),
    '401': problem('No valid bearer token'),
    '403': problem('Not a partner or admin'),
    ...readErrors,
  },
};

/** What a new event says, in the API and in import files alike. */
const eventFields = {
  title: text(200),
  description: { type: 'string', maxLength: 5_000 },
  startsAt: dateTimeInput(),
  endsAt: dateTimeInput('After `startsAt`.'),
  priceTiers: { type: 'array', minItems: 1, maxItems: 50, items: ref('PriceTier') },
  status: { type: 'string', enum: ['draft', 'scheduled', 'on_sale'] },
  salesOpenAt: dateTimeInput('Required for `scheduled`: when sales open by themselves (ahead, before `startsAt`).'),
};

const venueSummary = {
  type: 'object',
  required: ['id', 'name', 'city', 'address', 'timezone'],
  properties: { id: uuid, name: { type: 'string' }, city: { type: 'string' }, address: { type: 'string' }, timezone: { type: 'string' } },
};

/** At most this many venues or events in one page of a partner's lists (and the page size when `limit` is not given). */
export const PARTNER_LIST_MAX = 200;

const partnerList = (operationId: string, summary: string, item: string, filters: Operation['parameters'] = []): Operation => ({
  operationId,
  summary,
  description:
    "Partners see their organization's, admins their own. Pages are linked by an opaque `cursor` (keyset pagination): " +
    'following `nextCursor` visits every one exactly once.',
  tags: ['partners'],
  security: bearer,
  parameters: [
    ...(filters ?? []),
    { name: 'limit', in: 'query', description: 'Page size.', schema: { type: 'integer', minimum: 1, maximum: PARTNER_LIST_MAX, default: PARTNER_LIST_MAX } },
    cursorQuery,
  ],
  responses: {
    '200': {
      description: summary,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['items', 'nextCursor'],
            properties: {
              items: { type: 'array', items: ref(item) },
              nextCursor: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null on the last page.' },
            },
          },
        },
      },
    },
    '400': problem('Malformed query parameter or cursor'),
    '401': problem('No valid bearer token'),
    '403': problem("The token's role may not do this"),
  },
});

const getPartnerVenue: Operation = {
  operationId: 'getPartnerVenue',
  summary: 'One of your venues, with the price categories it uses',
  description: "Another organization's venue answers 404, as one that does not exist. Admins may read any.",
  tags: ['partners'],
  security: bearer,
  parameters: [openApiCommon.uuidPathParam('venueId', 'Venue id')],
  responses: {
    '200': json('PartnerVenue', 'The venue'),
    '401': problem('No valid bearer token'),
    '403': problem("The token's role may not do this"),
    ...readErrors,
  },
};

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
    '/events/{eventId}/price-tiers/{category}': { put: setPriceTier },
    '/events/{eventId}/changes': { get: getEventChanges },
    '/venues/{venueId}/changes': { get: getVenueChanges },
    '/venues/{venueId}/sections': { post: addSections },
    '/venues/{venueId}/sections/{sectionId}/seats': { post: addSeats },
    '/venues/{venueId}/seats/close': { post: closeSeatsOperation },
    '/venues/{venueId}/sections/close': { post: closeSectionsOperation },
    '/venues/{venueId}/sections/reopen': { post: reopenSectionsOperation },
    '/imports': { post: createImport },
    '/imports/{importId}': { get: getImport },
    '/imports/{importId}/rejections': { get: getImportRejections },
    '/partner/venues': { get: partnerList('listPartnerVenues', 'Your venues, newest first, with the price categories they use', 'PartnerVenue') },
    '/partner/venues/{venueId}': { get: getPartnerVenue },
    '/partner/events': {
      get: partnerList('listPartnerEvents', 'Your events in every status (drafts too), soonest first', 'Event', [
        { name: 'venueId', in: 'query', description: "Only this venue's events.", schema: uuid },
        {
          name: 'endsAfter',
          in: 'query',
          description: 'Only events ending after this instant: the current time lists those to come and those running now (URL-encode `+` as `%2B`).',
          schema: dateTimeInput(),
        },
      ]),
    },
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
          origin: point('Position of the first seat of the first row.'),
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
        properties: { category, priceCents, currency },
      },
      EventInput: {
        type: 'object',
        additionalProperties: false,
        required: ['venueId', 'title', 'startsAt', 'endsAt', 'priceTiers'],
        properties: { venueId: uuid, ...eventFields, status: { ...eventFields.status, default: 'on_sale' } },
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
          status: { type: 'string', enum: eventStatuses.filter((x) => x !== 'happened') },
          salesOpenAt: dateTimeInput('For `scheduled`: when sales open.'),
        },
      },
      SectionsInput: {
        type: 'object',
        additionalProperties: false,
        required: ['sections'],
        properties: { sections: { type: 'array', minItems: 1, maxItems: 100, items: ref('SectionInput') } },
      },
      SeatRowsInput: {
        type: 'object',
        additionalProperties: false,
        required: ['rows'],
        properties: {
          rows: { type: 'array', minItems: 1, maxItems: 500, items: ref('RowInput') },
          origin: point('Position of the first seat of the first new row (rows continuing existing ones keep their place).'),
        },
      },
      SeatClosure: {
        type: 'object',
        additionalProperties: false,
        required: ['seatIds'],
        properties: { seatIds: { type: 'array', minItems: 1, maxItems: 5_000, uniqueItems: true, items: uuid } },
      },
      SectionClosure: {
        type: 'object',
        additionalProperties: false,
        required: ['sectionIds'],
        properties: { sectionIds: { type: 'array', minItems: 1, maxItems: 100, uniqueItems: true, items: uuid } },
      },
      PriceTierPatch: {
        type: 'object',
        additionalProperties: false,
        required: ['priceCents', 'currency'],
        properties: { priceCents, currency: { ...currency, description: "ISO 4217 code; the event's currency." } },
      },
      ImportVenueRecord: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'key', 'name', 'city', 'sections'],
        description: 'A JSON Lines venue line: `VenueInput` plus its key.',
        properties: {
          type: { const: 'venue' },
          key: naturalKey,
          name: text(200),
          city: text(100),
          address: { type: 'string', maxLength: 500 },
          timezone: { type: 'string', minLength: 1, maxLength: 64 },
          sections: { type: 'array', minItems: 1, maxItems: 100, items: ref('SectionInput') },
        },
      },
      ImportEventRecord: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'key', 'title', 'startsAt', 'endsAt', 'priceTiers'],
        description: 'A JSON Lines event (showtime) line, or a CSV row: `EventInput` with a key, naming its venue by `venueKey` or `venueId`.',
        properties: {
          type: { const: 'event' },
          key: naturalKey,
          venueKey: naturalKey,
          venueId: uuid,
          ...eventFields,
        },
        oneOf: [{ required: ['venueKey'] }, { required: ['venueId'] }],
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
        required: ['categories', 'closedSections'],
        properties: {
          categories: {
            type: 'array',
            items: { type: 'string' },
            description: 'Every price category its seats and areas use: an event needs a tier for each.',
          },
          closedSections: {
            type: 'array',
            description: 'Sections closed by the organizer (they may be reopened), in seat-map order.',
            items: {
              type: 'object',
              required: ['id', 'name', 'kind', 'category', 'places', 'closedAt'],
              properties: {
                id: uuid,
                name: { type: 'string' },
                kind: { type: 'string', enum: ['seated', 'general_admission'] },
                category: { type: 'string' },
                places: { type: 'integer', description: 'What reopening brings back: the seats closed with it, or the standing capacity.' },
                closedAt: { type: 'string', format: 'date-time' },
              },
            },
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
          status: { type: 'string', enum: eventStatuses },
          salesOpenAt: { type: ['string', 'null'], format: 'date-time' },
          key: { type: ['string', 'null'], description: 'The natural key an import gave the event.' },
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
      Change: {
        type: 'object',
        required: ['seq', 'id', 'type', 'schemaVersion', 'occurredAt', 'actor', 'organizationId', 'entity', 'entityId', 'data'],
        properties: {
          seq: { type: 'integer' },
          id: uuid,
          type: { type: 'string' },
          schemaVersion: { type: 'integer' },
          occurredAt: timestamp,
          actor: { type: 'string', description: 'Token subject of who changed it; `system` for the lifecycle clock.' },
          organizationId: { type: 'string' },
          entity: { type: 'string', enum: ['venue', 'event', 'import'] },
          entityId: uuid,
          data: { type: 'object' },
        },
      },
      AddedSeats: {
        type: 'object',
        required: ['venueId', 'sectionId', 'seats'],
        properties: { venueId: uuid, sectionId: uuid, seats: { type: 'array', items: ref('Seat') } },
      },
      ClosedSeats: {
        type: 'object',
        required: ['venueId', 'closed'],
        properties: { venueId: uuid, closed: { type: 'array', items: uuid } },
      },
      ClosedSections: {
        type: 'object',
        required: ['venueId', 'closed'],
        properties: { venueId: uuid, closed: { type: 'array', items: uuid } },
      },
      ReopenedSections: {
        type: 'object',
        required: ['venueId', 'reopened'],
        properties: { venueId: uuid, reopened: { type: 'array', items: uuid } },
      },
      ChangePage: {
        type: 'object',
        required: ['items', 'nextAfter'],
        properties: { items: { type: 'array', items: ref('Change') }, nextAfter: { type: ['integer', 'null'] } },
      },
      ImportJob: {
        type: 'object',
        required: ['id', 'format', 'mode', 'batchSize', 'state', 'bytes', 'rows', 'createdAt'],
        properties: {
          id: uuid,
          format: { type: 'string', enum: ['csv', 'jsonl'] },
          mode: { type: 'string', enum: ['file', 'batch'] },
          batchSize: { type: 'integer' },
          state: {
            type: 'string',
            enum: ['queued', 'running', 'imported', 'partially_imported', 'rejected', 'failed'],
            description:
              '`imported`: every row is in (new or unchanged); `partially_imported` (batch mode): batches with rejected rows were left out; ' +
              '`rejected`: nothing was imported; `failed`: the file could not be read to its end (see `error`).',
          },
          bytes: { type: 'integer' },
          rows: {
            type: 'object',
            required: ['read', 'accepted', 'unchanged', 'rejected', 'skipped'],
            properties: {
              read: { type: 'integer' },
              accepted: { type: 'integer', description: 'Imported now.' },
              unchanged: { type: 'integer', description: 'Already imported with the same values (by key).' },
              rejected: { type: 'integer', description: 'Invalid rows; each is listed at `/imports/{id}/rejections`.' },
              skipped: { type: 'integer', description: 'Valid rows left out because their batch (or file) had a rejected row.' },
            },
          },
          error: { type: ['string', 'null'] },
          createdAt: timestamp,
          startedAt: { type: ['string', 'null'], format: 'date-time' },
          finishedAt: { type: ['string', 'null'], format: 'date-time' },
        },
      },
      RejectionPage: {
        type: 'object',
        required: ['items', 'nextAfter'],
        properties: {
          items: {
            type: 'array',
            items: {
              type: 'object',
              required: ['line', 'field', 'reason'],
              properties: { line: { type: 'integer' }, field: { type: 'string' }, reason: { type: 'string' } },
            },
          },
          nextAfter: { type: ['integer', 'null'] },
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
          status: { type: 'string', enum: eventStatuses },
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
