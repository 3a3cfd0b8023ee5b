import { fileURLToPath } from 'node:url';
import { mayManage } from '@ticketing/catalog/deps';
import { HttpProblem, inputOf, principalOf, problems, requireRole, tokenVerifierFrom, type ServiceDefinition } from '@ticketing/platform';
import type { Request } from 'express';
import { startLivePlaces } from './live.js';
import { createWaitingRoomMetrics } from './metrics.js';
import { waitingRoomOpenApi } from './openapi.js';
import { createPassIssuer, viewOf } from './places.js';
import { createQueue, type Place } from './queue.js';
import { catalogEventOf, deleteRoom, findRoom, saveRoom, WAITING_ROOM_SCHEMA, type RoomRow, type SettingsInput } from './rooms.js';
import { publishRoom, startScheduler, type SchedulerOptions } from './scheduler.js';
import { passKeysSetting, waitingRoomService } from './service.js';

export interface WaitingRoomOptions {
  /** Hears every admission step this replica runs (tests). */
  onStep?: SchedulerOptions['onStep'];
}

const noRoom = (eventId: string) => problems.notFound(`a waiting room for event ${eventId}`);
const closed = () => problems.conflict('waiting-room-closed', 'Waiting room closed', 'the queue of this event takes nobody new');
const soldOut = () => problems.conflict('sold-out', 'Sold out', 'everything of this event is sold; the queue takes nobody new');
const ipLimit = (limit: number) =>
  new HttpProblem(
    429,
    'queue-places-per-ip',
    'Too many places from this address',
    `at most ${limit} accounts may queue for one event from one address`,
    {},
    60,
  );

export function createWaitingRoomDefinition(options: WaitingRoomOptions = {}): ServiceDefinition {
  return {
    declaration: waitingRoomService,
    openApi: waitingRoomOpenApi,
    database: { schema: WAITING_ROOM_SCHEMA, migrations: fileURLToPath(new URL('../migrations', import.meta.url)) },
    trustProxyHops: (config) => config.integer('TRUSTED_PROXY_HOPS'),
    async setup(ctx) {
      const { config, api } = ctx;
      const pool = ctx.requirePool();
      const verifier = tokenVerifierFrom(config);
      const buyer = requireRole(verifier, 'buyer', 'admin');
      const organizer = requireRole(verifier, 'partner', 'admin');
      const passes = await createPassIssuer(config.string(passKeysSetting));
      const metrics = createWaitingRoomMetrics(ctx.metrics);
      const tickMs = config.integer('SCHEDULER_TICK_MS');
      const placesPerIp = config.integer('QUEUE_PLACES_PER_IP');
      const queue = createQueue({
        redisUrl: config.string('REDIS_URL'),
        keyPrefix: config.string('WAITING_ROOM_KEY_PREFIX'),
        placesPerIp,
        // A replica that misses a step is caught up by the next one, by any replica.
        maxCatchUpMs: Math.max(1000, 2 * tickMs),
        onError: (error) => ctx.logger.warn('redis', { error: error.message }),
      });
      ctx.addReadinessCheck({ name: 'redis', check: async () => void (await queue.redis.ping()) });
      const scheduler = startScheduler({
        queue,
        pool,
        logger: ctx.logger,
        metrics,
        tickMs,
        syncMs: config.integer('SCHEDULER_SYNC_MS'),
        ...(options.onStep ? { onStep: options.onStep } : {}),
      });
      const live = startLivePlaces({ queue, passes, refreshMs: config.integer('QUEUE_STREAM_REFRESH_MS'), logger: ctx.logger });
      ctx.onShutdown(() => queue.close());
      ctx.onShutdown(() => scheduler.stop());
      ctx.onShutdown(() => live.stop());

      const eventIdOf = (req: Request) => (inputOf(req).params as { eventId: string }).eventId;
      const placeOrMissing = async (eventId: string, account: string): Promise<Place> => {
        const place = await queue.place(eventId, account);
        if (!place) throw noRoom(eventId);
        return place;
      };
      const roomView = async (room: RoomRow) => {
        const place = await queue.place(room.eventId, '');
        return {
          eventId: room.eventId,
          onsaleAt: room.onsaleAt.toISOString(),
          admissionPerMinute: room.admissionPerMinute,
          maxConcurrentShoppers: room.maxConcurrentShoppers,
          shoppingSeconds: room.shoppingSeconds,
          open: room.open,
          state: place?.room.state ?? (room.open ? 'before_onsale' : 'closed'),
          queueLength: place?.queueLength ?? 0,
          shoppers: place?.room.shoppers ?? 0,
          updatedAt: room.updatedAt.toISOString(),
        };
      };
      /** The event's organization, if the caller may manage it (catalog data decides, as in the catalog). */
      const managedEvent = async (req: Request) => {
        const eventId = eventIdOf(req);
        const event = await catalogEventOf(pool, eventId);
        if (!event) throw problems.notFound(`event ${eventId}`);
        if (!mayManage(principalOf(req), event.ownerId)) throw problems.forbidden(`event ${eventId} belongs to another organization`);
        return { eventId, event };
      };

      api.operation('get', '/.well-known/jwks.json', (_req, res) => {
        res.set('Cache-Control', 'public, max-age=300').json(passes.publicJwks);
      });

      api.operation('get', '/events/{eventId}', async (req, res) => {
        const room = await findRoom(pool, eventIdOf(req));
        if (!room) throw noRoom(eventIdOf(req));
        res.json(await roomView(room));
      });

      api.operation('put', '/events/{eventId}', organizer, async (req, res) => {
        const { eventId, event } = await managedEvent(req);
        const input = inputOf(req).body as SettingsInput;
        if (input.admissionPerMinute == null && input.maxConcurrentShoppers == null) {
          throw problems.unprocessable('no-admission-limit', 'No admission limit', 'set admissionPerMinute, maxConcurrentShoppers or both');
        }
        const { room, created } = await saveRoom(pool, eventId, event.ownerId, input);
        // In effect at once on every replica; the schedulers' sync would copy it within SCHEDULER_SYNC_MS anyway.
        await publishRoom(queue, room, { cancelled: event.status === 'cancelled' });
        res.status(created ? 201 : 200).json(await roomView(room));
      });

      api.operation('delete', '/events/{eventId}', organizer, async (req, res) => {
        const { eventId } = await managedEvent(req);
        if (!(await deleteRoom(pool, eventId))) throw noRoom(eventId);
        await queue.removeRoom(eventId);
        metrics.forget(eventId);
        res.status(204).end();
      });

      api.operation('post', '/events/{eventId}/queue', buyer, async (req, res) => {
        const eventId = eventIdOf(req);
        const account = principalOf(req).sub;
        const outcome = await queue.join(eventId, account, req.ip ?? req.socket.remoteAddress ?? 'unknown');
        if (outcome.kind !== 'no_room') metrics.joined(outcome.kind);
        switch (outcome.kind) {
          case 'no_room':
            throw noRoom(eventId);
          case 'closed':
            throw closed();
          case 'sold_out':
            throw soldOut();
          case 'ip_limit':
            throw ipLimit(placesPerIp);
          default:
            res.status(outcome.kind === 'joined' ? 201 : 200).json(await viewOf(eventId, account, outcome.place, passes));
        }
      });

      api.operation('get', '/events/{eventId}/queue/me', buyer, async (req, res) => {
        const eventId = eventIdOf(req);
        const account = principalOf(req).sub;
        res.set('Cache-Control', 'no-store').json(await viewOf(eventId, account, await placeOrMissing(eventId, account), passes));
      });

      api.operation('delete', '/events/{eventId}/queue/me', buyer, async (req, res) => {
        const eventId = eventIdOf(req);
        await placeOrMissing(eventId, principalOf(req).sub);
        await queue.leave(eventId, principalOf(req).sub);
        res.status(204).end();
      });

      api.operation('get', '/events/{eventId}/queue/me/stream', buyer, async (req, res) => {
        const eventId = eventIdOf(req);
        const account = principalOf(req).sub;
        await placeOrMissing(eventId, account);
        await live.watch(ctx.eventStreams.open(req, res), eventId, account);
      });
    },
  };
}

export const waitingRoomDefinition = createWaitingRoomDefinition();
