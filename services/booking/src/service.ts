import { authEnv, commonEnv, databaseEnv, kafkaEnv, standardPaths, type EnvSetting, type ServiceDeclaration } from '@ticketing/platform/service-declaration';

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
    {
      name: 'HOLD_TTL_SECONDS',
      description: 'How long a new hold keeps its seats.',
      kind: 'integer',
      default: '300',
      min: 5,
      max: 3600,
    },
    {
      name: 'HOLD_CHECKOUT_EXTENSION_SECONDS',
      description: 'Extra time granted once, when checkout starts.',
      kind: 'integer',
      default: '120',
      min: 0,
      max: 900,
    },
    {
      name: 'HOLD_MAX_LIFETIME_SECONDS',
      description: "Upper bound on a hold's total life, extension included.",
      kind: 'integer',
      default: '600',
      min: 5,
      max: 7200,
    },
    {
      name: 'HOLD_MAX_PLACES',
      description: 'Most seats or general-admission places one hold may take.',
      kind: 'integer',
      default: '10',
      min: 1,
      max: 100,
    },
    {
      name: 'SWEEPER_INTERVAL_MS',
      description: 'How often lapsed holds are expired and their seats released.',
      kind: 'integer',
      default: '5000',
      min: 100,
      max: 600000,
    },
    {
      name: 'OUTBOX_POLL_INTERVAL_MS',
      description: 'How often the outbox relay looks for unpublished messages when idle.',
      kind: 'integer',
      default: '250',
      min: 10,
      max: 60000,
    },
    {
      name: 'AVAILABILITY_CACHE_MS',
      description:
        "How long one database read of an event's availability serves every request for it in this process (0: concurrent requests still share one read).",
      kind: 'integer',
      default: '1000',
      min: 0,
      max: 10000,
    },
    {
      name: 'PAYMENT_TIMEOUT_MS',
      description: 'How long checkout waits for the payment provider before giving up.',
      kind: 'integer',
      default: '5000',
      min: 50,
      max: 60000,
    },
    {
      name: 'WAITING_ROOM_JWKS_URL',
      description: "The waiting room's published admission-pass keys (a bare origin means its /.well-known/jwks.json); holds on its events need a pass.",
      kind: 'url',
      default: 'http://127.0.0.1:8087',
      from: 'service-url',
      service: 'waiting-room',
    },
    {
      name: 'AVAILABILITY_STREAMS_MAX',
      description:
        'Most live availability streams (GET /events/{eventId}/availability/stream) one replica keeps open; past it new ones get 503 with Retry-After.',
      kind: 'integer',
      default: '5000',
      min: 1,
      max: 100000,
    },
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
    requests: { cpu: '200m', memory: '192Mi' },
    limits: { cpu: '1', memory: '384Mi' },
  },
  scaling: {
    minReplicas: 2,
    maxReplicas: 12,
    targetCpuUtilizationPercent: 65,
    targetRequestsPerSecondPerPod: 150,
  },
  shutdownGraceSeconds: 30,
} as const satisfies ServiceDeclaration;
