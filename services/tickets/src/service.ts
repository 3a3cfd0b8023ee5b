import { bookingsConsumer, bookingsTopic, bookingsTopicConsumerEnv } from '@ticketing/booking/service';
import { authEnv, commonEnv, databaseEnv, kafkaEnv, standardPaths, type ServiceDeclaration } from '@ticketing/platform/service-declaration';

/** The consumer group tickets reads the bookings topic with (its KafkaUser may read only this group). */
export const ticketsConsumerGroup = 'tickets';

/** Signed tickets of confirmed bookings, their PDF, revocation, and check-in at the door. */
export const ticketsService = {
  name: 'tickets',
  description: `Issues one Ed25519-signed ticket per seat or place of each booking confirmed on ${bookingsTopic}, renders the PDF, revokes cancelled ones and checks them in once.`,
  port: 8084,
  ...standardPaths,
  entry: 'services/tickets/src/main.ts',
  env: [
    ...commonEnv,
    ...databaseEnv,
    ...kafkaEnv,
    ...authEnv,
    bookingsTopicConsumerEnv,
    {
      name: 'TICKETS_SIGNING_KEYS',
      description:
        'JWK set of private Ed25519 (or ES256) keys that sign the QR payloads, each with a "kid"; exactly one has "active": true. ' +
        'Every listed key is published at /.well-known/ticket-keys.json so scanners verify offline (rotation: services/tickets/README.md).',
      kind: 'string',
      minLength: 32,
      secret: true,
    },
  ],
  dependencies: {
    postgres: true,
    kafka: bookingsConsumer(ticketsConsumerGroup),
    // Fetches the users service's public signing keys (AUTH_JWKS_URL).
    services: ['users'],
  },
  resources: {
    // PDF rendering with QR images is the CPU-heavy part.
    requests: { cpu: '200m', memory: '192Mi' },
    limits: { cpu: '1', memory: '384Mi' },
  },
  scaling: {
    minReplicas: 2,
    maxReplicas: 12,
    targetCpuUtilizationPercent: 70,
    // Scans at the doors of a big event arrive in bursts.
    targetRequestsPerSecondPerPod: 200,
    targetConsumerLagPerPod: 500,
  },
  shutdownGraceSeconds: 30,
} as const satisfies ServiceDeclaration;
