import { fileURLToPath } from 'node:url';
import { createIdempotentWriter, type ServiceDefinition } from '@ticketing/platform';
import { registerEventRoutes } from './events.js';
import { catalogOpenApi } from './openapi.js';
import { registerSearchRoutes } from './search.js';
import { catalogService } from './service.js';
import { registerVenueRoutes } from './venues.js';

/** The schema this service owns; the booking service reads its tables. */
export const CATALOG_SCHEMA = 'catalog';
const IDEMPOTENCY_TTL_HOURS = 24;

export const catalogDefinition: ServiceDefinition = {
  declaration: catalogService,
  openApi: catalogOpenApi,
  database: { schema: CATALOG_SCHEMA, migrations: fileURLToPath(new URL('../migrations', import.meta.url)) },
  setup(ctx) {
    const writer = createIdempotentWriter({ pool: ctx.pool, schema: CATALOG_SCHEMA, ttlHours: IDEMPOTENCY_TTL_HOURS });
    const deps = { api: ctx.api, pool: ctx.pool, writer, authSecret: ctx.config.string('AUTH_TOKEN_SECRET') };
    registerVenueRoutes(deps);
    registerEventRoutes(deps);
    registerSearchRoutes({ ...deps, pageSizeMax: ctx.config.integer('SEARCH_PAGE_SIZE_MAX') });

    // Stored idempotent responses are kept 24 h; purge the rest hourly.
    const purge = setInterval(() => {
      writer.purgeExpired().catch((error: unknown) => ctx.logger.warn('idempotency key purge failed', { error }));
    }, 60 * 60 * 1000);
    purge.unref();
    ctx.onShutdown(() => clearInterval(purge));
  },
};
