import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { OpenApiDocument } from './openapi.js';
import { HttpProblem, problems } from './problem.js';
import type { ServiceDeclaration } from './service-declaration.js';

declare module 'express-serve-static-core' {
  interface Request {
    id?: string;
    log?: Logger;
    rawBody?: Buffer;
  }
}

/** A named dependency check for /readyz; resolves when healthy, throws otherwise. */
export type ReadinessCheck = { name: string; check: () => Promise<void> };

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
}

const requestIdPattern = /^[\w.:-]{1,128}$/;

export function sendProblem(res: Response, problem: HttpProblem, instance?: string): void {
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem.toBody(instance)));
}

/** Maps errors that are the client's fault to problems; anything else is a 500. */
function toProblem(error: unknown): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  const e = error as { type?: string; status?: number; code?: string; message?: string; constraint?: string };
  if (e.type === 'entity.parse.failed') return problems.badRequest('the request body is not valid JSON');
  if (e.type === 'entity.too.large') return new HttpProblem(413, 'too-large', 'Request body too large', 'the request body exceeds the size limit');
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return new HttpProblem(415, 'unsupported-encoding', 'Unsupported encoding', e.message);
  if (e.type === 'request.aborted') return problems.badRequest('the request was aborted');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return problems.badRequest(e.message ?? 'bad request');
  // Safety net for values that passed schema checks but PostgreSQL still rejects.
  switch (e.code) {
    case '22P02':
    case '22003':
    case '22007':
    case '22008':
    case '22021': // a NUL character in text
    case '22P05': // a NUL character (\u0000) in jsonb
      return problems.badRequest('a value is out of range or malformed');
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
  app.set('trust proxy', false);
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const incoming = req.get('x-request-id');
    req.id = incoming && requestIdPattern.test(incoming) ? incoming : randomUUID();
    req.log = logger.child({ requestId: req.id });
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // Route templates, not raw URLs, keep metric cardinality bounded.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ method: req.method, route }, seconds);
      if (route !== declaration.health.liveness && route !== declaration.health.readiness && route !== declaration.metricsPath) {
        req.log?.info('request', { method: req.method, path: req.path, route, status: res.statusCode, ms: Math.round(seconds * 1000) });
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
      options.readiness.map(async ({ name, check }) => {
        try {
          await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), 2_000).unref())]);
          return { name, ok: true };
        } catch (error) {
          return { name, ok: false, error: (error as Error).message };
        }
      }),
    );
    const ready = results.every((r) => r.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks: results });
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
    app.use((req, _res, next) => next(problems.notFound(`${req.method} ${req.path}`)));
    app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
      const problem = toProblem(error);
      if (problem) {
        if (problem.status >= 500) req.log?.warn('request failed', { status: problem.status, detail: problem.detail });
        return sendProblem(res, problem, req.originalUrl);
      }
      req.log?.error('unhandled error', { error });
      if (res.headersSent) return;
      sendProblem(res, new HttpProblem(500, 'internal', 'Internal error', `something went wrong; quote request id ${req.id}`), req.originalUrl);
    });
  }

  return { app, finish };
}
