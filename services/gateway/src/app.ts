import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { Redis } from 'ioredis';
import type { ServiceDefinition } from '@ticketing/platform';
import { admissionPassHeader } from '@ticketing/platform/admission-pass';
import { createEdgeAuth } from './edge-auth.js';
import { gatewayOpenApi } from './openapi.js';
import { createPublicApiDocument, docsPage, publicApiPaths } from './public-api.js';
import { createRateLimits } from './rate-limits.js';
import { gatewayService, gatewayStreamedUploads, gatewayUpstreams, upstreamSettings } from './service.js';
import { createUpstreamClient, uploadTooLarge, type Upstream } from './upstream.js';
import { serveWebUi } from './web-ui.js';

/** Hold creation gets its own, stricter budget: the onsale stampede. */
const isHoldCreation = (req: Request) => req.method === 'POST' && /^\/api\/booking\/holds\/?$/.test(req.originalUrl.split('?')[0]!);

export const gatewayDefinition: ServiceDefinition = {
  declaration: gatewayService,
  openApi: gatewayOpenApi,
  trustProxyHops: (config) => config.integer('TRUST_PROXY_HOPS'),
  setup(ctx) {
    const { config, api } = ctx;
    const upstreams: Upstream[] = gatewayUpstreams.map((d) => ({
      name: d.name,
      baseUrl: config.string(upstreamSettings(d.name).url),
      timeoutMs: config.integer(upstreamSettings(d.name).timeoutMs),
    }));
    const client = createUpstreamClient({ retries: config.integer('UPSTREAM_RETRIES') });
    ctx.onShutdown(() => client.close());

    // No offline queue: with Redis away a request must not wait for it (the limiter falls back to local counters).
    const redis = new Redis(config.string('REDIS_URL'), { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
    redis.on('error', (error: Error) => ctx.logger.warn('redis', { error: error.message }));
    ctx.onShutdown(async () => void (await redis.quit().catch(() => redis.disconnect())));

    // Upstreams and Redis are reported, never a reason to take the gateway out
    // of rotation: it answers for each of them (503 for that route, local counters).
    ctx.addReadinessCheck({ name: 'redis', informational: true, check: async () => void (await redis.ping()) });
    for (const upstream of upstreams) {
      const declaration = gatewayUpstreams.find((d) => d.name === upstream.name)!;
      ctx.addReadinessCheck({
        name: upstream.name,
        informational: true,
        check: async () => {
          const { status } = await client.getJson(new URL(declaration.health.readiness, upstream.baseUrl).toString(), 1_500);
          if (status !== 200) throw new Error(`readiness answered ${status}`);
        },
      });
    }

    const window = config.integer('RATE_LIMIT_WINDOW_SECONDS');
    const rateLimit = createRateLimits({
      redis,
      keyPrefix: config.string('RATE_LIMIT_KEY_PREFIX'),
      perIp: { name: 'per-ip', points: config.integer('RATE_LIMIT_PER_IP'), windowSeconds: window },
      perClient: { name: 'per-client', points: config.integer('RATE_LIMIT_PER_CLIENT'), windowSeconds: window },
      strict: { name: 'hold-creation', points: config.integer('RATE_LIMIT_HOLDS_PER_CLIENT'), windowSeconds: window, applies: isHoldCreation },
    });
    const edgeAuth = createEdgeAuth(config);
    const allowedOrigins = config
      .string('CORS_ALLOWED_ORIGINS')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean);
    const hstsMaxAge = config.integer('HSTS_MAX_AGE_SECONDS');

    const router = api.router;
    router.use(
      helmet({
        contentSecurityPolicy: {
          useDefaults: false,
          directives: {
            defaultSrc: ["'self'"],
            scriptSrc: ["'self'"],
            // Swagger UI sets element styles from script.
            styleSrc: ["'self'", "'unsafe-inline'"],
            imgSrc: ["'self'", 'data:'],
            connectSrc: ["'self'"],
            objectSrc: ["'none'"],
            baseUri: ["'self'"],
            formAction: ["'self'"],
            frameAncestors: ["'none'"],
          },
        },
        strictTransportSecurity: hstsMaxAge > 0 ? { maxAge: hstsMaxAge, includeSubDomains: true } : false,
        xFrameOptions: { action: 'deny' },
      }),
    );
    router.use(
      '/api',
      cors({
        origin: (origin, callback) => callback(null, origin !== undefined && allowedOrigins.includes(origin)),
        allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', admissionPassHeader, 'X-Request-Id', 'traceparent'],
        exposedHeaders: ['X-Request-Id', 'Location', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy'],
        maxAge: 600,
      }),
    );
    // Every /api request is charged to the budgets, then a forged or expired
    // token is refused (a request with a bad token still costs its IP, so
    // guessing tokens is rate-limited too).
    router.use('/api', (req: Request, res: Response, next: NextFunction) => {
      edgeAuth
        .principal(req)
        .then(
          (principal) => rateLimit(req, res, next, principal),
          (refused: unknown) => rateLimit(req, res, (error?: unknown) => next(error ?? refused), undefined),
        )
        .catch(next);
    });

    const publicApiDocument = createPublicApiDocument({
      upstreams,
      client,
      cacheSeconds: config.integer('OPENAPI_CACHE_SECONDS'),
      version: gatewayOpenApi.info.version,
      openApiPath: gatewayService.openApiPath,
    });
    api.operation('get', publicApiPaths.document, async (_req, res) => {
      res.json(await publicApiDocument());
    });
    router.use(publicApiPaths.docs, docsPage());

    // Streamed-upload routes (an import file) bypass the body limit: forwarded as they arrive under their own cap and budget.
    const uploadLimitBytes = config.integer('STREAMED_UPLOAD_LIMIT_MB') * 1_048_576;
    for (const route of gatewayStreamedUploads) {
      const upstream = upstreams.find((u) => u.name === route.upstream)!;
      const streamed = { maxBytes: Math.min(route.maxBytes, uploadLimitBytes), timeoutMs: route.timeoutSeconds * 1000 };
      router[route.method](route.path, async (req: Request, res: Response) => {
        if (Number(req.get('content-length') ?? 0) > streamed.maxBytes) {
          // Said up front: refused before a byte is forwarded, and the connection is not kept for the rest.
          res.set('Connection', 'close');
          throw uploadTooLarge(streamed.maxBytes);
        }
        try {
          await client.forward(req, res, upstream, req.url.slice(`/api/${upstream.name}`.length), streamed);
        } catch (error) {
          // Over the cap half-way: the client is still sending; the answer ends the connection instead of reading the rest.
          if ((error as { status?: number }).status === 413) res.set('Connection', 'close');
          throw error;
        }
      });
    }

    const readBody = express.raw({ limit: `${config.integer('BODY_LIMIT_KB')}kb`, type: () => true });
    for (const upstream of upstreams) {
      const prefix = `/api/${upstream.name}`;
      // One route per upstream (all methods, any path below it): its template is the metrics' `route` label.
      router.all(`${prefix}{/*path}`, readBody, async (req: Request, res: Response) => {
        const rest = req.url.slice(prefix.length);
        await client.forward(req, res, upstream, rest.startsWith('/') ? rest : `/${rest}`);
      });
    }
    serveWebUi(router);
  },
};
