import {
  authEnv,
  commonEnv,
  databaseEnv,
  integerSetting,
  kafkaEnv,
  standardPaths,
  type EnvSetting,
  type ServiceDeclaration,
} from '@ticketing/platform/service-declaration';

/** The Kafka topic booking publishes every hold and booking change to (the default of KAFKA_TOPIC_BOOKINGS). */
export const bookingsTopic = 'ticket-bookings';

/** For a service that consumes the bookings topic: which topic it reads. */
export const bookingsTopicConsumerEnv: EnvSetting = {
  name: 'KAFKA_TOPIC_BOOKINGS',
  description: 'Topic of booking changes to consume; messages that keep failing go to `<topic>.dlq`.',
  kind: 'string',
  default: bookingsTopic,
};

/** The Kafka dependency of a consumer of the bookings topic, reading as `group` (its dead-letter topic and Write ACL follow from `consumes`). */
export const bookingsConsumer = (group: string) => ({ produces: [], consumes: [bookingsTopic], consumerGroup: group }) as const;

/** The catalog's topic of venue and event changes, which booking applies (the default of KAFKA_TOPIC_CATALOG). */
export const catalogChangesTopic = 'catalog-changes';

/** Holds, checkout, bookings; the only writer of seat inventory. */
export const bookingService = {
  name: 'booking',
  description: `Seat and general-admission holds, checkout with payment, bookings; publishes ${bookingsTopic}.`,
  port: 8082,
  ...standardPaths,
  entry: 'services/booking/src/main.ts',
  env: [
    ...commonEnv,
    ...databaseEnv,
    ...kafkaEnv,
    ...authEnv,
    {
      name: 'KAFKA_TOPIC_BOOKINGS',
      description: 'Topic every booking state change is relayed to (key = event id).',
      kind: 'string',
      default: bookingsTopic,
    },
    {
      name: 'KAFKA_TOPIC_CATALOG',
      description: 'Topic of catalog changes booking applies: imported events, repriced tiers, moved events.',
      kind: 'string',
      default: catalogChangesTopic,
    },
    integerSetting('HOLD_TTL_SECONDS', 'How long a new hold keeps its seats.', 300, 5, 3600),
    integerSetting('HOLD_CHECKOUT_EXTENSION_SECONDS', 'Extra time granted once, when checkout starts.', 120, 0, 900),
    integerSetting('HOLD_MAX_LIFETIME_SECONDS', "Upper bound on a hold's total life, extension included.", 600, 5, 7200),
    integerSetting('HOLD_MAX_PLACES', 'Most seats or general-admission places one hold may take.', 10, 1, 100),
    integerSetting('SWEEPER_INTERVAL_MS', 'How often lapsed holds are expired and their seats released.', 5000, 100, 600000),
    integerSetting('OUTBOX_POLL_INTERVAL_MS', 'How often the outbox relay looks for unpublished messages when idle.', 250, 10, 60000),
    integerSetting(
      'AVAILABILITY_CACHE_MS',
      "How long one database read of an event's availability serves every request for it in this process (0: concurrent requests still share one read).",
      1000,
      0,
      10000,
    ),
    integerSetting('PAYMENT_TIMEOUT_MS', 'How long checkout waits for the payment provider before giving up.', 5000, 50, 60000),
    {
      name: 'WAITING_ROOM_JWKS_URL',
      description: "The waiting room's published admission-pass keys (a bare origin means its /.well-known/jwks.json); holds on its events need a pass.",
      kind: 'url',
      default: 'http://127.0.0.1:8087',
      from: 'service-url',
      service: 'waiting-room',
    },
    integerSetting(
      'AVAILABILITY_STREAM_INTERVAL_MS',
      'How often a replica reads again the availability of each event it has live streams open for, and sends them what changed (one read per event, however many streams).',
      500,
      50,
      10000,
    ),
    integerSetting(
      'AVAILABILITY_STREAMS_MAX',
      'Most live availability streams (GET /events/{eventId}/availability/stream) one replica keeps open; past it new ones get 503 with Retry-After.',
      5000,
      1,
      100000,
    ),
    {
      name: 'PAYMENT_WEBHOOK_SECRET',
      description: 'HMAC-SHA256 key the payment provider signs its callbacks with; at least 32 characters.',
      kind: 'string',
      minLength: 32,
      secret: true,
    },
  ],
  dependencies: {
    postgres: true,
    // Catalog changes it cannot apply go to catalog-changes.dlq (a consumer's dead-letter topic comes with what it consumes).
    kafka: { produces: [bookingsTopic], consumes: [catalogChangesTopic] },
    // Fetches the public keys of access tokens (AUTH_JWKS_URL) and of admission passes (WAITING_ROOM_JWKS_URL).
    services: ['users', 'waiting-room'],
  },
  resources: {
    // From `npm run bench -- memory` (docs/benchmarks.md): 121 MiB idle, 152 MiB in the spike
    // scenario, 198 MiB seen at 128 concurrent buyers.
    requests: { cpu: '200m', memory: '256Mi' },
    limits: { cpu: '1', memory: '512Mi' },
  },
  scaling: {
    minReplicas: 2,
    maxReplicas: 12,
    targetCpuUtilizationPercent: 65,
    targetRequestsPerSecondPerPod: 150,
  },
  shutdownGraceSeconds: 30,
} as const satisfies ServiceDeclaration;
