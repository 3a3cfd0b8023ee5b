import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { databaseErrorReason, databaseUnavailableProblem } from './database-errors.js';
import type { Logger } from './log.js';
import { unmatchedRoute, type Metrics } from './metrics.js';
import type { OpenApiDocument } from './openapi.js';
import { HttpProblem, problems } from './problem.js';
import type { ServiceDeclaration } from './service-declaration.js';

declare module 'express-serve-static-core' {
  interface Request {
    id?: string;
    /** W3C trace id from an incoming `traceparent`, when valid. */
    traceId?: string;
    log?: Logger;
    rawBody?: Buffer;
  }
}

/** A named dependency check for /readyz; resolves when healthy, throws otherwise. */
export type ReadinessCheck = {
  name: string;
  check: () => Promise<void>;
  /**
   * Reported, but a failure leaves the service ready (status `degraded`):
   * for dependencies whose loss the service answers for itself, e.g. the
   * gateway's upstreams, where one service down must not take every route down.
   */
  informational?: boolean;
};

export interface HttpAppOptions {
  declaration: ServiceDeclaration;
  logger: Logger;
  metrics: Metrics;
  openApi: OpenApiDocument;
  readiness: ReadinessCheck[];
  /** Set to true on SIGTERM so load balancers stop sending traffic. */
  isShuttingDown: () => boolean;
  /** Largest accepted JSON body. @default '32kb' */
  bodyLimit?: string;
  /** Proxies in front whose X-Forwarded-For names the client (`req.ip`). @default 0 */
  trustProxyHops?: number;
}

const requestIdPattern = /^[\w.:-]{1,128}$/;
/** W3C Trace Context `traceparent`: version-traceid-parentid-flags; all-zero ids are invalid. */
const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The trace id of a valid `traceparent` header, else undefined. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const match = traceparent ? traceparentPattern.exec(traceparent.trim().toLowerCase()) : null;
  if (!match) return undefined;
  const [, version, traceId, parentId, , rest] = match;
  // Version ff is forbidden; version 00 has nothing after the flags.
  if (version === 'ff' || (version === '00' && rest) || /^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return undefined;
  return traceId;
}

/** The OpenAPI path template a request matched (`/holds/{holdId}`: bounded cardinality), or `unmatched`. */
function routeOf(req: Request): string {
  return req.route?.path ? `${req.baseUrl}${String(req.route.path)}`.replace(/:(\w+)/g, '{$1}') : unmatchedRoute;
}

export function sendProblem(res: Response, problem: HttpProblem, instance?: string): void {
  noteProblem(res, problem.slug);
  if (problem.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(problem.retryAfterSeconds));
  if (problem.status === 405 && Array.isArray(problem.extensions.allow)) res.setHeader('Allow', problem.extensions.allow.join(', '));
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(JSON.stringify(problem.toBody(instance)));
}

/** Records which problem a response carries, for http_problems_total (counted once the response is sent). */
export function noteProblem(res: Response, slug: string): void {
  res.locals.problemType = slug;
}

/** For 405: which methods each path of the API (and the platform's own GET paths) answers. */
function allowedMethods(openApi: OpenApiDocument, declaration: ServiceDeclaration): (path: string) => string[] | undefined {
  // `{param}` matches one path segment, as in the express routes made from the document.
  const toPattern = (template: string) => new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}/?$`);
  const fixed = [declaration.health.liveness, declaration.health.readiness, declaration.metricsPath, declaration.openApiPath];
  const routes = [
    ...Object.entries(openApi.paths).map(([template, ops]) => ({ pattern: toPattern(template), methods: Object.keys(ops).map((m) => m.toUpperCase()) })),
    ...fixed.map((path) => ({ pattern: toPattern(path), methods: ['GET'] })),
  ];
  return (path) => {
    const methods = routes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods);
    if (methods.length === 0) return undefined;
    // Express answers HEAD wherever GET is routed.
    return [...new Set(methods.includes('GET') ? [...methods, 'HEAD'] : methods)];
  };
}

/** Maps errors that are the client's fault, or a temporary outage, to problems; anything else is a 500. */
export function toProblem(error: unknown): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  const e = error as { type?: string; status?: number; code?: string; message?: string; constraint?: string };
  if (e.type === 'entity.parse.failed') return problems.badRequest('the request body is not valid JSON');
  if (e.type === 'entity.too.large') return new HttpProblem(413, 'too-large', 'Request body too large', 'the request body exceeds the size limit');
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported')
    return new HttpProblem(415, 'unsupported-encoding', 'Unsupported encoding', e.message);
  if (e.type === 'request.aborted') return problems.badRequest('the request was aborted');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return problems.badRequest(e.message ?? 'bad request');
  // Safety net for values that passed schema checks but PostgreSQL still
  // rejects: SQLSTATE class 22 is "data exception" (malformed or out-of-range
  // input, e.g. a UTC offset beyond ±15:59), always caused by the value sent.
  if (typeof e.code === 'string' && /^22[0-9A-Z]{3}$/.test(e.code)) return problems.badRequest('a value is out of range or malformed');
  const unavailable = databaseUnavailableProblem(error);
  if (unavailable) return unavailable;
  switch (e.code) {
    case '23503':
      return problems.unprocessable('unknown-reference', 'Unknown reference', 'the request refers to something that does not exist');
    case '23505':
      return problems.conflict('duplicate', 'Already exists', 'a conflicting record already exists');
  }
  return undefined;
}

export function createHttpApp(options: HttpAppOptions) {
  const { declaration, logger, metrics, openApi } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxyHops ?? false);
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const incoming = req.get('x-request-id');
    req.id = incoming && requestIdPattern.test(incoming) ? incoming : randomUUID();
    req.traceId = traceIdOf(req.get('traceparent'));
    req.log = logger.child(req.traceId ? { requestId: req.id, traceId: req.traceId } : { requestId: req.id });
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // Route templates, not raw URLs, keep metric cardinality bounded.
      const route = routeOf(req);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ method: req.method, route }, seconds);
      const problemType = res.locals.problemType as string | undefined;
      if (problemType) metrics.problemAnswered({ method: req.method, route, status: res.statusCode, type: problemType });
      if (route !== declaration.health.liveness && route !== declaration.health.readiness && route !== declaration.metricsPath) {
        // Route parameters are the ids the request is about (eventId, holdId, reference, …).
        req.log?.info('request', { method: req.method, path: req.path, route, ...req.params, status: res.statusCode, ms: Math.round(seconds * 1000) });
      }
    });
    next();
  });

  app.get(declaration.health.liveness, (_req, res) => {
    res.json({ status: 'ok', service: declaration.name });
  });
  app.get(declaration.health.readiness, async (_req, res) => {
    if (options.isShuttingDown()) {
      res.status(503).json({ status: 'shutting-down' });
      return;
    }
    const results = await Promise.all(
      options.readiness.map(async ({ name, check, informational }) => {
        const flag = informational ? { informational: true } : {};
        try {
          await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), 2_000).unref())]);
          return { name, ok: true, ...flag };
        } catch (error) {
          return { name, ok: false, ...flag, error: (error as Error).message };
        }
      }),
    );
    const ready = results.every((r) => r.ok || r.informational);
    const status = !ready ? 'not-ready' : results.every((r) => r.ok) ? 'ready' : 'degraded';
    res.status(ready ? 200 : 503).json({ status, checks: results });
  });
  app.get(declaration.metricsPath, async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get(declaration.openApiPath, (_req, res) => {
    res.json(openApi);
  });

  // Request bodies are read per operation, after its guards (see
  // `OperationSteps` in openapi.ts), so nothing is parsed for a stranger.

  /** Call after mounting the API routers: 404 for the rest, problems for errors. */
  function finish(): void {
    const allowed = allowedMethods(openApi, declaration);
    app.use((req, _res, next) => {
      const allow = allowed(req.path);
      // A path the method is routed on, yet unmatched (a handler passed it on), is simply not found.
      next(allow && !allow.includes(req.method) ? problems.methodNotAllowed(req.method, req.path, allow) : problems.notFound(`${req.method} ${req.path}`));
    });
    app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
      const problem = toProblem(error);
      if (problem) {
        const dbReason = databaseErrorReason(error);
        if (dbReason) metrics.dbErrors.inc({ reason: dbReason });
        // One line per failed request, no stack: an outage must not flood the log.
        if (problem.status >= 500)
          req.log?.warn('request failed', {
            status: problem.status,
            reason: problem.extensions.reason,
            detail: problem.detail,
            error: (error as Error).message,
          });
        if (res.headersSent) return;
        return sendProblem(res, problem, req.originalUrl);
      }
      req.log?.error('unhandled error', { error });
      if (res.headersSent) return;
      sendProblem(res, new HttpProblem(500, 'internal', 'Internal error', `something went wrong; quote request id ${req.id}`), req.originalUrl);
    });
  }

  return { app, finish };
}
