import { authEnv, commonEnv, databaseEnv, integerSetting, kafkaEnv, standardPaths, type ServiceDeclaration } from '@ticketing/platform/service-declaration';
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
    integerSetting('CHANGE_RELAY_INTERVAL_MS', 'How often the change relay looks for unpublished changes when idle.', 500, 10, 60000),
    integerSetting('LIFECYCLE_INTERVAL_MS', 'How often scheduled events go on sale, started ones close and ended ones become happened.', 5000, 100, 600000),
    integerSetting('IMPORT_MAX_BYTES', 'Largest import file, after decompression.', importLimits.maxBytesDefault, 1024, 2147483647),
    integerSetting('IMPORT_MAX_LINE_BYTES', 'Longest line (CSV row or JSON Lines record) of an import file.', importLimits.maxLineBytesDefault, 1024, 16777216),
    integerSetting(
      'IMPORT_LEASE_SECONDS',
      "How long an import job's runner may go silent before another replica takes the job over (after a crash).",
      30,
      1,
      3600,
    ),
    integerSetting('IMPORT_POLL_INTERVAL_MS', 'How often an idle replica looks for import jobs to run.', 1000, 50, 60000),
    integerSetting('SEARCH_PAGE_SIZE_MAX', 'Largest page a search may ask for.', 100, 1, 500),
    integerSetting('SEARCH_CACHE_MS', 'Longest a cached search answer is kept; any catalog write drops every cached answer at once.', 30000, 0, 600000),
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
  // An import file is streamed to the database as it arrives; ten minutes carry the largest over a modest link.
  streamedUploads: [{ method: 'post', path: '/imports', maxBytes: importLimits.maxBytesDefault, timeoutSeconds: 600 }],
} as const satisfies ServiceDeclaration;
