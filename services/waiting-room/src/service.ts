import { authEnv, commonEnv, databaseEnv, integerSetting, standardPaths, type ServiceDeclaration } from '@ticketing/platform/service-declaration';

/** The setting booking reads to find the waiting room's published pass keys. */
export const passKeysSetting = 'WAITING_ROOM_SIGNING_KEYS';

/**
 * The virtual waiting room of onsales: buyers queue per event, a scheduler
 * on every replica admits them in order at the organizer's rate (the queue
 * lives in Valkey/Redis, moved by atomic scripts, so replicas never admit
 * anyone twice), and an admitted buyer gets a signed admission pass booking
 * requires for a hold.
 */
export const waitingRoomService = {
  name: 'waiting-room',
  description: 'Virtual waiting room for onsales: fair queue per event, admission at the organizer’s rate, signed admission passes booking requires.',
  port: 8087,
  ...standardPaths,
  entry: 'services/waiting-room/src/main.ts',
  env: [
    ...commonEnv,
    ...databaseEnv,
    ...authEnv,
    {
      name: 'REDIS_URL',
      description: 'Valkey/Redis holding the queues every waiting-room replica shares (redis://[:password@]host:port).',
      kind: 'url',
      secret: true,
    },
    {
      name: 'WAITING_ROOM_KEY_PREFIX',
      description: 'Prefix of the queue keys in Redis: replicas with the same prefix share their queues.',
      kind: 'string',
      default: 'wr',
      minLength: 1,
    },
    {
      name: passKeysSetting,
      description:
        'JWK set of private keys (EdDSA or ES256) that sign admission passes, each with a "kid"; exactly one has "active": true. ' +
        'Every listed key is published at /.well-known/jwks.json, which booking verifies passes against.',
      kind: 'string',
      minLength: 32,
      secret: true,
    },
    integerSetting(
      'SCHEDULER_TICK_MS',
      'How often each replica runs the admission step of every room (the admission rate is kept across ticks and replicas).',
      1000,
      20,
      60_000,
    ),
    integerSetting(
      'SCHEDULER_SYNC_MS',
      'How often each replica copies the rooms from PostgreSQL to Redis and checks whether their events sold out.',
      5000,
      100,
      600_000,
    ),
    integerSetting('QUEUE_PLACES_PER_IP', 'Accounts one client address may have queued or admitted per event at once.', 20, 1, 100_000),
    integerSetting('QUEUE_STREAM_REFRESH_MS', 'How often a replica refreshes the positions of the live streams (SSE) it serves.', 1000, 100, 60_000),
    integerSetting(
      'TRUSTED_PROXY_HOPS',
      'Proxies in front of the service (the gateway) whose X-Forwarded-For entries are trusted for the client address; 0 uses the socket address.',
      1,
      0,
      5,
    ),
  ],
  dependencies: {
    postgres: true,
    redis: true,
    // Fetches the users service's public signing keys (AUTH_JWKS_URL).
    services: ['users'],
  },
  resources: {
    requests: { cpu: '100m', memory: '192Mi' },
    limits: { cpu: '1', memory: '384Mi' },
  },
  scaling: {
    minReplicas: 2,
    maxReplicas: 8,
    targetCpuUtilizationPercent: 70,
    targetRequestsPerSecondPerPod: 500,
  },
  shutdownGraceSeconds: 20,
} as const satisfies ServiceDeclaration;
