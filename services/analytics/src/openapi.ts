import { idempotencyKeyTtlHours, openApiCommon, withPlatformResponses, type OpenApiDocument, type ServiceConfig } from '@ticketing/platform';
import { defaultReportLimit, reportNames } from './reports.js';
import { analyticsResultsV1Schema } from './results-schema.js';
import { analyticsResultsTopic } from './service.js';

const { problemResponse, uuidPathParam, dateTime } = openApiCommon;
const partnerSecurity = [{ bearerAuth: [] }];
const eventParam = uuidPathParam('eventId', 'Event (showtime) id from the catalog');
const notYours = problemResponse("No such event (or not your organization's)");

/** Most windows one request returns (a day of minutes). */
export const maxWindowsPerRequest = 1440;

const { $schema: _schema, $id: _id, ...windowSchema } = analyticsResultsV1Schema;
const centsByCurrency = windowSchema.properties.revenue;
const count = { type: 'integer', minimum: 0 };

const reportDocs: Record<(typeof reportNames)[number], string> = {
  'revenue-by-venue': 'Bookings, tickets and revenue per venue and currency',
  'revenue-by-city': 'Bookings, tickets and revenue per city and currency',
  'revenue-by-month': 'Bookings, tickets and revenue per month (UTC, of confirmation) and currency',
  'repeat-customers': 'Buyers with two or more live bookings with your organization, most bookings first',
  'top-events': 'Events by revenue, per currency, highest first',
};

const reportPaths = Object.fromEntries(
  reportNames.map((name) => [
    `/reports/${name}`,
    {
      get: {
        operationId: `report-${name}`.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase()),
        summary: `${reportDocs[name]} (live bookings only)`,
        description:
          'For a partner: its own organization. An admin names the organization with `organizationId`. ' +
          '`format=csv` (or `Accept: text/csv`) answers the same rows as CSV with a header line.',
        tags: ['reports'],
        security: partnerSecurity,
        parameters: [
          { name: 'organizationId', in: 'query' as const, description: 'Admins only: whose report.', schema: { type: 'string', minLength: 1, maxLength: 200 } },
          { name: 'format', in: 'query' as const, schema: { enum: ['json', 'csv'] } },
          ...(name === 'repeat-customers' || name === 'top-events'
            ? [{ name: 'limit', in: 'query' as const, schema: { type: 'integer', minimum: 1, maximum: 10000, default: defaultReportLimit } }]
            : []),
        ],
        responses: {
          '200': {
            description: 'The report',
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/Report' } },
              'text/csv': { schema: { type: 'string' } },
            },
          },
          '400': problemResponse('Malformed request, or an admin without organizationId'),
        },
      },
    },
  ]),
);

const analyticsDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Analytics API',
    version: '1.0.0',
    description:
      'Sales of an event in 1-minute windows on event time (live, with a Server-Sent Events stream), its totals, and partner reports. ' +
      'For the partner whose organization owns the event, and admins. Every window update is also published on Kafka topic `' +
      analyticsResultsTopic +
      '` (see docs/events.md).',
  },
  paths: {
    '/events/{eventId}/windows': {
      get: {
        operationId: 'listWindows',
        summary: "The event's sales windows (current revision of each), oldest first: the latest `limit` in [from, to)",
        tags: ['windows'],
        security: partnerSecurity,
        parameters: [
          eventParam,
          { name: 'from', in: 'query', description: 'Windows starting at or after this.', schema: dateTime() },
          { name: 'to', in: 'query', description: 'Windows starting before this.', schema: dateTime() },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: maxWindowsPerRequest, default: 60 } },
        ],
        responses: {
          '200': { description: 'Windows', content: { 'application/json': { schema: { $ref: '#/components/schemas/WindowList' } } } },
          '404': notYours,
        },
      },
    },
    '/events/{eventId}/windows/stream': {
      get: {
        operationId: 'streamWindows',
        summary: "Server-Sent Events: the event's latest windows, then every window update as it is counted",
        description:
          'Each SSE event is `event: window`, `id: <eventId>/<windowStart>/<revision>`, `data:` a Window. The latest windows come first (a snapshot), ' +
          'then each new revision; keep the highest revision per windowStart. The stream ends when the server stops: reconnect (the snapshot is sent again).',
        tags: ['windows'],
        security: partnerSecurity,
        parameters: [eventParam],
        responses: {
          '200': { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          '404': notYours,
        },
      },
    },
    '/events/{eventId}/totals': {
      get: {
        operationId: 'getTotals',
        summary: "The sum of all the event's windows",
        tags: ['windows'],
        security: partnerSecurity,
        parameters: [eventParam],
        responses: {
          '200': { description: 'Totals', content: { 'application/json': { schema: { $ref: '#/components/schemas/Totals' } } } },
          '404': notYours,
        },
      },
    },
    ...reportPaths,
  },
  components: {
    securitySchemes: { bearerAuth: openApiCommon.bearerAuth },
    schemas: {
      Problem: openApiCommon.problemSchema,
      Window: windowSchema,
      WindowList: {
        type: 'object',
        required: ['eventId', 'allowedLatenessSeconds', 'items'],
        properties: {
          eventId: { type: 'string', format: 'uuid' },
          allowedLatenessSeconds: { type: 'integer', minimum: 0 },
          items: { type: 'array', items: { $ref: '#/components/schemas/Window' } },
        },
      },
      Totals: {
        type: 'object',
        required: ['eventId', 'windows', 'ticketsSold', 'ticketsCancelled', 'cancellations', 'holdsCreated', 'holdsConverted', 'revenue', 'refunds'],
        properties: {
          eventId: { type: 'string', format: 'uuid' },
          windows: count,
          ticketsSold: count,
          ticketsCancelled: count,
          cancellations: count,
          holdsCreated: count,
          holdsConverted: count,
          revenue: centsByCurrency,
          refunds: centsByCurrency,
          lateMessages: count,
          tooLateMessages: { ...count, description: 'Messages that arrived too late for their window: in no figure above.' },
          firstWindowStart: { type: ['string', 'null'], format: 'date-time' },
          lastWindowStart: { type: ['string', 'null'], format: 'date-time' },
        },
      },
      Report: {
        type: 'object',
        required: ['name', 'organizationId', 'columns', 'rows'],
        properties: {
          name: { enum: [...reportNames] },
          organizationId: { type: 'string' },
          columns: { type: 'array', items: { type: 'string' } },
          rows: { type: 'array', items: { type: 'object', additionalProperties: { type: ['string', 'integer', 'null'] } } },
        },
      },
    },
  },
};

/** The analytics service's API; served at /openapi.json and used to validate requests. Every operation reads PostgreSQL. */
export const analyticsOpenApi = (config: ServiceConfig): OpenApiDocument =>
  withPlatformResponses(analyticsDocument, { database: true, idempotencyKeyTtlHours: idempotencyKeyTtlHours(config) });
