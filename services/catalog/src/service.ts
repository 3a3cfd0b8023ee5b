import { authEnv, commonEnv, databaseEnv, standardPaths, type ServiceDeclaration } from '@ticketing/platform/service-declaration';

/** The catalog: venues, seat maps, events (showtimes), price tiers, search. */
export const catalogService = {
  name: 'catalog',
  description: 'Venues with seat maps, events and price tiers; event search for buyers.',
  port: 8081,
  ...standardPaths,
  entry: 'services/catalog/src/main.ts',
  env: [
    ...commonEnv,
    ...databaseEnv,
    ...authEnv,
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
  dependencies: { postgres: true, services: ['users'] },
  resources: {
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { cpu: '1', memory: '256Mi' },
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
