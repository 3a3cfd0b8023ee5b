import { idempotencyKeyTtlHours, openApiCommon, withPlatformResponses, type OpenApiDocument, type ServiceConfig } from '@ticketing/platform';

const { problemResponse, uuidPathParam } = openApiCommon;
const bearer = [{ bearerAuth: [] }];
const json = (schema: unknown, description: string) => ({ description, content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const notificationsDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Notifications service',
    version: '1.0.0',
    description:
      'What buyers are told about their bookings — confirmed (with the link to the tickets PDF), cancelled, refunded, and a hold about to ' +
      'expire — each once, from the ticket-bookings topic: kept in an inbox here and sent by email.',
  },
  tags: [{ name: 'inbox', description: "The caller's notifications" }],
  paths: {
    '/me/notifications': {
      get: {
        operationId: 'listMyNotifications',
        summary: 'Your notifications, newest first',
        tags: ['inbox'],
        security: bearer,
        parameters: [
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          { name: 'before', in: 'query', required: false, description: 'The `next` of the previous page.', schema: { type: 'string', format: 'uuid' } },
        ],
        responses: { '200': json(ref('Inbox'), 'Notifications') },
      },
    },
    '/me/notifications/{notificationId}/read': {
      post: {
        operationId: 'markNotificationRead',
        summary: 'Mark one of your notifications read',
        tags: ['inbox'],
        security: bearer,
        parameters: [uuidPathParam('notificationId', 'Notification id')],
        responses: { '204': { description: 'Marked read' }, '404': problemResponse('No such notification of yours') },
      },
    },
  },
  components: {
    securitySchemes: { bearerAuth: openApiCommon.bearerAuth },
    schemas: {
      Problem: openApiCommon.problemSchema,
      Notification: {
        type: 'object',
        required: ['id', 'kind', 'subject', 'body', 'link', 'createdAt', 'readAt'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          kind: { enum: ['booking-confirmed', 'booking-cancelled', 'refund-issued', 'hold-expiring'] },
          subject: { type: 'string' },
          body: { type: 'string' },
          link: { type: ['string', 'null'], description: 'booking-confirmed: the tickets PDF.' },
          createdAt: { type: 'string', format: 'date-time' },
          readAt: { type: ['string', 'null'], format: 'date-time' },
        },
      },
      Inbox: {
        type: 'object',
        required: ['items', 'next'],
        properties: { items: { type: 'array', items: ref('Notification') }, next: { type: ['string', 'null'], format: 'uuid' } },
      },
    },
  },
};

export const notificationsOpenApi = (config: ServiceConfig): OpenApiDocument =>
  withPlatformResponses(notificationsDocument, { database: true, idempotencyKeyTtlHours: idempotencyKeyTtlHours(config) });
