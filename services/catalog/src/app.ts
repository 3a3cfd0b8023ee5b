import { fileURLToPath } from 'node:url';
import { tokenVerifierFrom, type ServiceDefinition } from '@ticketing/platform';
import { registerEventRoutes } from './events/routes.js';
import { catalogOpenApi } from './openapi.js';
import { registerSearchRoutes } from './search.js';
import { createSearchCache } from './search-cache.js';
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
    const searchCache = createSearchCache({ pool: deps.pool, logger: ctx.logger, ttlMs: ctx.config.integer('SEARCH_CACHE_MS') });
    ctx.onShutdown(() => searchCache.stop());
    // A write through this process drops cached searches before its answer goes out, so its
    // client's next search sees it; other processes hear of it through the tables' NOTIFY.
    ctx.api.router.use((req, res, next) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        const end = res.end.bind(res);
        res.end = ((...args: Parameters<typeof end>) => {
          searchCache.invalidate();
          return end(...args);
        }) as typeof res.end;
      }
      next();
    });
    registerVenueRoutes(deps);
    registerEventRoutes(deps);
    registerSearchRoutes({ ...deps, searchCache, pageSizeMax: ctx.config.integer('SEARCH_PAGE_SIZE_MAX') });
  },
};
