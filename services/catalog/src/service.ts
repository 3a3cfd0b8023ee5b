import { authEnv, commonEnv, databaseEnv, kafkaEnv, standardPaths, type ServiceDeclaration } from '@ticketing/platform/service-declaration';
import { importLimits } from './imports/limits.js';

/** The Kafka topic every catalog change is published to (the default of KAFKA_TOPIC_CATALOG). */
export const catalogChangesTopic = 'catalog-changes';

/** The catalog: venues, seat maps, events (showtimes), price tiers, search. */
export const catalogService = {
  name: 'catalog',
  description: `Venues with seat maps, events and price tiers, their imports and lifecycle; event search for buyers; publishes ${catalogChangesTopic}.`,
  port: 8081,
  ...standardPaths,
  entry: 'services/catalog/src/main.ts',
  env: [
    ...commonEnv,
    ...databaseEnv,
    ...kafkaEnv,
    ...authEnv,
    {
      name: 'KAFKA_TOPIC_CATALOG',
      description: 'Topic every venue and event change is relayed to (key = venue, event or import id).',
      kind: 'string',
      default: catalogChangesTopic,
    },
    {
      name: 'CHANGE_RELAY_INTERVAL_MS',
      description: 'How often the change relay looks for unpublished changes when idle.',
      kind: 'integer',
      default: '500',
      min: 10,
      max: 60000,
    },
    {
      name: 'LIFECYCLE_INTERVAL_MS',
      description: 'How often scheduled events go on sale, started ones close and ended ones become happened.',
      kind: 'integer',
      default: '5000',
      min: 100,
      max: 600000,
    },
    {
      name: 'IMPORT_MAX_BYTES',
      description: 'Largest import file, after decompression.',
      kind: 'integer',
      default: String(importLimits.maxBytesDefault),
      min: 1024,
      max: 2147483647,
    },
    {
      name: 'IMPORT_MAX_LINE_BYTES',
      description: 'Longest line (CSV row or JSON Lines record) of an import file.',
      kind: 'integer',
      default: String(importLimits.maxLineBytesDefault),
      min: 1024,
      max: 16777216,
    },
    {
      name: 'IMPORT_LEASE_SECONDS',
      description: "How long an import job's runner may go silent before another replica takes the job over (after a crash).",
      kind: 'integer',
      default: '30',
      min: 1,
      max: 3600,
    },
    {
      name: 'IMPORT_POLL_INTERVAL_MS',
      description: 'How often an idle replica looks for import jobs to run.',
      kind: 'integer',
      default: '1000',
      min: 50,
      max: 60000,
    },
    {
      name: 'SEARCH_PAGE_SIZE_MAX',
      description: 'Largest page a search may ask for.',
      kind: 'integer',
      default: '100',
      min: 1,
      max: 500,
    },
    {
      name: 'SEARCH_CACHE_MS',
      description: 'Longest a cached search answer is kept; any catalog write drops every cached answer at once.',
      kind: 'integer',
      default: '30000',
      min: 0,
      max: 600000,
    },
  ],
  // Fetches the users service's public signing keys (AUTH_JWKS_URL).
  dependencies: { postgres: true, kafka: { produces: [catalogChangesTopic], consumes: [] }, services: ['users'] },
  // Imports stream in bounded memory, but a job's batches and parser want headroom beyond plain reads.
  resources: {
    requests: { cpu: '100m', memory: '192Mi' },
    limits: { cpu: '1', memory: '384Mi' },
  },
  // Search takes most of the onsale read traffic: scale on request rate too.
  scaling: {
    minReplicas: 2,
    maxReplicas: 10,
    targetCpuUtilizationPercent: 70,
    targetRequestsPerSecondPerPod: 200,
  },
  shutdownGraceSeconds: 20,
} as const satisfies ServiceDeclaration;
