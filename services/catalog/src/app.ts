import { fileURLToPath } from 'node:url';
import { invalidateOnWrites, tokenVerifierFrom, type ServiceDefinition } from '@ticketing/platform';
import { startChangeRelay } from './changes/relay.js';
import { startLifecycleClock } from './events/lifecycle.js';
import { registerEventRoutes } from './events/routes.js';
import { startImportRunner } from './imports/job.js';
import { createRecordValidator } from './imports/records.js';
import { registerImportRoutes } from './imports/routes.js';
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
    const { config, logger } = ctx;
    const pool = ctx.requirePool();
    const relay = startChangeRelay({
      pool,
      kafka: ctx.requireKafka(),
      topic: config.string('KAFKA_TOPIC_CATALOG'),
      logger,
      metrics: ctx.metrics,
      intervalMs: config.integer('CHANGE_RELAY_INTERVAL_MS'),
    });
    const clock = startLifecycleClock({ pool, logger, intervalMs: config.integer('LIFECYCLE_INTERVAL_MS'), onMoved: relay.notify });
    const maxLineBytes = config.integer('IMPORT_MAX_LINE_BYTES');
    const imports = startImportRunner({
      pool,
      logger,
      validator: createRecordValidator(catalogOpenApi(config)),
      maxLineBytes,
      leaseSeconds: config.integer('IMPORT_LEASE_SECONDS'),
      pollIntervalMs: config.integer('IMPORT_POLL_INTERVAL_MS'),
      onChanges: relay.notify,
    });
    // Reverse order on shutdown: imports hand their job over, then the clock stops, then the relay sends what is left.
    ctx.onShutdown(() => relay.stop());
    ctx.onShutdown(() => clock.stop());
    ctx.onShutdown(() => imports.stop());
    const deps = { api: ctx.api, pool, writer: ctx.requireIdempotency(), verifier: tokenVerifierFrom(config), notifyChanges: relay.notify };
    const searchCache = createSearchCache({ pool, logger, ttlMs: config.integer('SEARCH_CACHE_MS') });
    ctx.onShutdown(() => searchCache.stop());
    // A write through this process drops cached searches before its answer goes out, so its
    // client's next search sees it; other processes hear of it through the tables' NOTIFY.
    ctx.api.router.use(invalidateOnWrites(() => searchCache.invalidate()));
    registerVenueRoutes(deps);
    registerEventRoutes(deps);
    registerImportRoutes({ ...deps, limits: { maxBytes: config.integer('IMPORT_MAX_BYTES'), maxLineBytes }, onQueued: imports.notify });
    registerSearchRoutes({ ...deps, searchCache, pageSizeMax: config.integer('SEARCH_PAGE_SIZE_MAX') });
  },
};
