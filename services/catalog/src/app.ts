import { fileURLToPath } from 'node:url';
import { tokenVerifierFrom, type ServiceDefinition } from '@ticketing/platform';
import { registerEventRoutes } from './events/routes.js';
import { catalogOpenApi } from './openapi.js';
import { registerSearchRoutes } from './search.js';
import { catalogService } from './service.js';
import { registerVenueRoutes } from './venues/routes.js';

/** The schema this service owns; the booking service reads its tables. */
export const CATALOG_SCHEMA = 'catalog';

export const catalogDefinition: ServiceDefinition = {
  declaration: catalogService,
  openApi: catalogOpenApi,
  database: { schema: CATALOG_SCHEMA, migrations: fileURLToPath(new URL('../migrations', import.meta.url)) },
  setup(ctx) {
    const deps = { api: ctx.api, pool: ctx.requirePool(), writer: ctx.requireIdempotency(), verifier: tokenVerifierFrom(ctx.config) };
    registerVenueRoutes(deps);
    registerEventRoutes(deps);
    registerSearchRoutes({ ...deps, pageSizeMax: ctx.config.integer('SEARCH_PAGE_SIZE_MAX') });
  },
};
