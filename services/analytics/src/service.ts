import { bookingsTopic } from '@ticketing/booking/service';
import { authEnv, commonEnv, databaseEnv, integerSetting, kafkaEnv, standardPaths, type ServiceDeclaration } from '@ticketing/platform/service-declaration';

/** The topic every window update is published to (the default of KAFKA_TOPIC_ANALYTICS_RESULTS). */
export const analyticsResultsTopic = 'analytics-results';

/** Live sales windows per event, partner reports; consumes ticket-bookings, publishes analytics-results. */
export const analyticsService = {
  name: 'analytics',
  description: `Sales per event in 1-minute windows (consumes ${bookingsTopic}, publishes ${analyticsResultsTopic}), live window stream and partner reports.`,
  port: 8086,
  ...standardPaths,
  entry: 'services/analytics/src/main.ts',
  env: [
    ...commonEnv,
    ...databaseEnv,
    ...kafkaEnv,
    ...authEnv,
    {
      name: 'KAFKA_TOPIC_BOOKINGS',
      description: 'Topic the booking changes are read from (key = event id).',
      kind: 'string',
      default: bookingsTopic,
    },
    {
      name: 'KAFKA_TOPIC_ANALYTICS_RESULTS',
      description: 'Topic every window update is published to (key = event id).',
      kind: 'string',
      default: analyticsResultsTopic,
    },
    {
      name: 'KAFKA_CONSUMER_GROUP',
      description: "Consumer group of the stream job; in-cluster the KafkaUser's ACL allows only the declared one.",
      kind: 'string',
      default: 'analytics',
    },
    integerSetting(
      'ANALYTICS_ALLOWED_LATENESS_SECONDS',
      "How long after a window's end (by its partition's watermark) a late message still updates it; later ones only count in the window's tooLateMessages.",
      120,
      0,
      86400,
    ),
    integerSetting('ANALYTICS_RELAY_INTERVAL_MS', 'How often window updates waiting in the results outbox are looked for when idle.', 200, 10, 60000),
  ],
  dependencies: {
    postgres: true,
    kafka: { produces: [analyticsResultsTopic], consumes: [bookingsTopic], consumerGroup: 'analytics' },
    // Fetches the users service's public signing keys (AUTH_JWKS_URL).
    services: ['users'],
  },
  resources: {
    requests: { cpu: '200m', memory: '192Mi' },
    limits: { cpu: '1', memory: '384Mi' },
  },
  scaling: {
    // More replicas than ticket-bookings partitions would sit idle.
    minReplicas: 2,
    maxReplicas: 6,
    targetCpuUtilizationPercent: 70,
    // An onsale's burst of booking messages: more replicas (up to the partitions) count it sooner.
    targetConsumerLagPerPod: 500,
  },
  shutdownGraceSeconds: 30,
} as const satisfies ServiceDeclaration;
