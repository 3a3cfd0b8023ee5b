import { admissionPassHeader } from '@ticketing/platform/admission-pass';
import { idempotencyKeyTtlHours, openApiCommon, withPlatformResponses, type OpenApiDocument, type ServiceConfig } from '@ticketing/platform';

const { problemResponse, uuidPathParam } = openApiCommon;
const bearer = [{ bearerAuth: [] }];
const json = (schema: unknown, description: string) => ({ description, content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const eventParam = uuidPathParam('eventId', 'Event id');
const nullableInteger = (min: number, max: number, description: string) => ({ type: ['integer', 'null'], minimum: min, maximum: max, description });
const dateTime = { type: 'string', format: 'date-time' };

const waitingRoomDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Waiting room service',
    version: '1.0.0',
    description:
      'A virtual waiting room per event. Buyers who join before the onsale get a random place among themselves; after it, first come first served; ' +
      'one place per account, re-joining keeps it. The organizer sets the admission rate (buyers per minute) and/or a cap on concurrent shoppers ' +
      'and how long an admitted buyer may shop. An admitted buyer receives an admission pass (a JWT, verified against `/.well-known/jwks.json`) ' +
      `that booking requires, in the \`${admissionPassHeader}\` header, for a hold on the event.`,
  },
  tags: [
    { name: 'organizer', description: "An event's waiting room settings (the event's organization)" },
    { name: 'queue', description: 'Joining, your place, live updates, leaving' },
  ],
  paths: {
    '/.well-known/jwks.json': {
      get: {
        operationId: 'getPassKeys',
        summary: 'Public keys that verify admission passes',
        tags: ['queue'],
        responses: { '200': json(ref('Jwks'), 'Key set') },
      },
    },
    '/events/{eventId}': {
      get: {
        operationId: 'getWaitingRoom',
        summary: "The event's waiting room: settings and how full it is",
        tags: ['organizer'],
        parameters: [eventParam],
        responses: { '200': json(ref('Room'), 'Waiting room'), '404': problemResponse('The event has no waiting room') },
      },
      put: {
        operationId: 'putWaitingRoom',
        summary: "Set up or change the event's waiting room (the event's organization or an admin); takes effect at once, also during the sale",
        tags: ['organizer'],
        security: bearer,
        parameters: [eventParam],
        requestBody: { required: true, content: { 'application/json': { schema: ref('RoomSettings') } } },
        responses: {
          '200': json(ref('Room'), 'Changed'),
          '201': json(ref('Room'), 'Set up'),
          '404': problemResponse('No such event'),
          '422': problemResponse('Neither an admission rate nor a shopper cap'),
        },
      },
      delete: {
        operationId: 'deleteWaitingRoom',
        summary: 'Remove the waiting room: holds no longer need a pass, the queue is dropped',
        tags: ['organizer'],
        security: bearer,
        parameters: [eventParam],
        responses: { '204': { description: 'Removed' }, '404': problemResponse('The event has no waiting room') },
      },
    },
    '/events/{eventId}/queue': {
      post: {
        operationId: 'joinQueue',
        summary: 'Join the queue, or get your existing place back (a second tab, a reload)',
        tags: ['queue'],
        security: bearer,
        parameters: [eventParam],
        responses: {
          '200': json(ref('Place'), 'You already had a place (waiting or admitted): kept'),
          '201': json(ref('Place'), 'Joined'),
          '404': problemResponse('The event has no waiting room'),
          '409': problemResponse('The queue is closed or the event is sold out'),
          '429': problemResponse('Too many accounts queued from this address'),
        },
      },
    },
    '/events/{eventId}/queue/me': {
      get: {
        operationId: 'getPlace',
        summary: 'Your place: position, estimated wait, or your admission pass',
        tags: ['queue'],
        security: bearer,
        parameters: [eventParam],
        responses: { '200': json(ref('Place'), 'Your place (state `not_queued` if you have none)'), '404': problemResponse('The event has no waiting room') },
      },
      delete: {
        operationId: 'leaveQueue',
        summary: 'Leave the queue, or give up your admission: the slot goes to the next in line',
        tags: ['queue'],
        security: bearer,
        parameters: [eventParam],
        responses: { '204': { description: 'Left (or had no place)' }, '404': problemResponse('The event has no waiting room') },
      },
    },
    '/events/{eventId}/queue/me/stream': {
      get: {
        operationId: 'streamPlace',
        summary: 'Your place, live (Server-Sent Events): a `place` event now and on every change, including the moment of admission',
        tags: ['queue'],
        security: bearer,
        parameters: [eventParam],
        responses: {
          '200': { description: 'Event stream of `place` events (data: Place)', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          '404': problemResponse('The event has no waiting room'),
        },
      },
    },
  },
  components: {
    securitySchemes: { bearerAuth: openApiCommon.bearerAuth },
    schemas: {
      Problem: openApiCommon.problemSchema,
      Jwks: { type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: { type: 'object' } } } },
      RoomSettings: {
        type: 'object',
        additionalProperties: false,
        required: ['onsaleAt', 'shoppingSeconds', 'open'],
        properties: {
          onsaleAt: openApiCommon.dateTime('When admission starts; who joins before it gets a random place among the early arrivals.'),
          admissionPerMinute: nullableInteger(1, 1_000_000, 'Buyers admitted per minute; null for no rate (the shopper cap alone).'),
          maxConcurrentShoppers: nullableInteger(1, 1_000_000, 'Most admitted buyers shopping at once; null for no cap.'),
          shoppingSeconds: { type: 'integer', minimum: 30, maximum: 7200, description: 'How long an admission pass lasts.' },
          open: { type: 'boolean', description: 'Whether new buyers may join; who is queued keeps the place either way.' },
        },
      },
      Room: {
        type: 'object',
        required: [
          'eventId',
          'onsaleAt',
          'admissionPerMinute',
          'maxConcurrentShoppers',
          'shoppingSeconds',
          'open',
          'state',
          'queueLength',
          'shoppers',
          'updatedAt',
        ],
        properties: {
          eventId: { type: 'string', format: 'uuid' },
          onsaleAt: dateTime,
          admissionPerMinute: { type: ['integer', 'null'] },
          maxConcurrentShoppers: { type: ['integer', 'null'] },
          shoppingSeconds: { type: 'integer' },
          open: { type: 'boolean' },
          state: ref('RoomState'),
          queueLength: { type: 'integer' },
          shoppers: { type: 'integer', description: 'Admitted buyers whose pass has not expired.' },
          updatedAt: dateTime,
        },
      },
      RoomState: { enum: ['before_onsale', 'admitting', 'closed', 'sold_out'] },
      Place: {
        type: 'object',
        required: ['eventId', 'state', 'room', 'position', 'queueLength', 'estimatedWaitSeconds', 'estimateBasis', 'provisional', 'onsaleAt', 'pass'],
        properties: {
          eventId: { type: 'string', format: 'uuid' },
          state: { enum: ['not_queued', 'waiting', 'admitted'] },
          room: ref('RoomState'),
          position: { type: ['integer', 'null'], description: '1 is next; null unless waiting.' },
          queueLength: { type: 'integer' },
          estimatedWaitSeconds: { type: ['integer', 'null'] },
          estimateBasis: {
            enum: ['admission-rate', 'shopping-time', null],
            description: '`admission-rate`: position ÷ rate; `shopping-time`: at most, if every shopper ahead uses the whole shopping time.',
          },
          provisional: { type: 'boolean', description: 'Before the onsale: early arrivals are ordered at random, so the position moves as others join.' },
          onsaleAt: dateTime,
          joinedAt: { type: ['string', 'null'], format: 'date-time' },
          admittedAt: { type: ['string', 'null'], format: 'date-time' },
          pass: { type: ['string', 'null'], description: `Admission pass (JWT) for the \`${admissionPassHeader}\` header of a hold.` },
          passExpiresAt: { type: ['string', 'null'], format: 'date-time' },
        },
      },
    },
  },
};

/** The document the service serves. */
export const waitingRoomOpenApi = (config: ServiceConfig): OpenApiDocument =>
  withPlatformResponses(waitingRoomDocument, { database: true, idempotencyKeyTtlHours: idempotencyKeyTtlHours(config) });
