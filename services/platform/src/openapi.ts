import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { describeIdempotencyKey, idempotencyKeySchema } from './idempotency.js';
import { HttpProblem, problems } from './problem.js';

/**
 * The OpenAPI 3.1 document is the single description of a service's API: it is
 * served at /openapi.json, and the same schemas validate every request. Routes
 * can only be registered for operations the document has, and
 * `unregisteredOperations()` lets a test prove the reverse.
 */
export type JsonSchema = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: { 'application/json': { schema: JsonSchema } } };
  responses: Record<string, unknown>;
}

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description?: string };
  servers?: { url: string }[];
  paths: Record<string, Partial<Record<Method, Operation>>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes?: Record<string, unknown>; [key: string]: unknown };
  [key: string]: unknown;
}

/** Validated input, set on the request by the route's validator. */
export interface ValidatedInput {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
}

declare module 'express-serve-static-core' {
  interface Request {
    input?: ValidatedInput;
    /** The body exactly as received; set by an operation that reads one. */
    rawBody?: Buffer;
  }
}

export function inputOf<T extends ValidatedInput = ValidatedInput>(req: Request): T {
  if (!req.input) throw new Error('route registered without validation');
  return req.input as T;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** Rewrites `#/components/schemas/X` to a reference ajv can resolve. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = key === '$ref' && typeof inner === 'string' ? inner.replace('#/components/schemas/', 'components#/$defs/') : rewriteRefs(inner);
    }
    return out;
  }
  return value;
}

function describe(errors: ErrorObject[] | null | undefined, where: string) {
  return (errors ?? []).map((error) => {
    let field = where + error.instancePath.replace(/\//g, '.');
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'additionalProperties') {
      field = `${field}.${String(error.params.additionalProperty)}`;
      message = 'is not a known field';
    } else if (error.keyword === 'required') {
      field = `${field}.${String(error.params.missingProperty)}`;
      message = 'is required';
    }
    return { field, message };
  });
}

/**
 * What runs before an operation's handler, in this order:
 *   guards → read the raw body (size limit, 415) → rawBodyGuards → JSON parse → validate → handler.
 * Guards see nothing of the body, so a stranger learns nothing about the
 * schema; raw-body guards (signatures) see the exact bytes received.
 */
export interface OperationSteps {
  /** Authentication and authorization (e.g. `requireRole`). */
  guards?: RequestHandler[];
  /** Checks over `req.rawBody` before it is parsed, e.g. `verifyHmacSignature`. */
  rawBodyGuards?: RequestHandler[];
}

export interface ApiOptions {
  /** Largest accepted request body. @default '32kb' */
  bodyLimit?: string;
}

const jsonTypes = ['application/json', 'application/*+json'];

function hasBody(req: Request): boolean {
  return Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
}

/** Reads the body as bytes into `req.rawBody` (empty when there is none); JSON only, bounded. */
function bodyReader(limit: string): RequestHandler {
  const readRaw = express.raw({ limit, type: () => true });
  return (req, res, next) => {
    req.rawBody = Buffer.alloc(0);
    if (!hasBody(req)) return next();
    // Anything but JSON is rejected before it is read.
    if (!req.is(jsonTypes)) return next(new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type', 'send the body as application/json'));
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      return next(new HttpProblem(415, 'unsupported-encoding', 'Unsupported encoding', `unsupported charset "${charset}"; send UTF-8`));
    }
    readRaw(req, res, (error?: unknown) => {
      if (error) return next(error);
      if (Buffer.isBuffer(req.body)) req.rawBody = req.body;
      req.body = undefined;
      next();
    });
  };
}

const parseJson: RequestHandler = (req, _res, next) => {
  if (!req.rawBody || req.rawBody.length === 0) return next();
  try {
    req.body = JSON.parse(req.rawBody.toString('utf8'));
  } catch {
    return next(problems.badRequest('the request body is not valid JSON'));
  }
  next();
};

export function createApi(doc: OpenApiDocument, options: ApiOptions = {}) {
  // Bodies are validated exactly (a string is not a number); path and query
  // values arrive as strings, so those validators coerce.
  const strict = addFormats(new Ajv2020({ allErrors: true, strict: false }));
  const coercing = addFormats(new Ajv2020({ allErrors: true, strict: false, coerceTypes: true, useDefaults: true }));
  for (const ajv of [strict, coercing]) {
    ajv.addSchema({ $id: 'components', $defs: rewriteRefs(doc.components.schemas) as Record<string, JsonSchema> });
  }
  const router = express.Router();
  const registered = new Set<string>();
  const readBody = bodyReader(options.bodyLimit ?? '32kb');

  function compileParameters(params: Parameter[], location: 'path' | 'query'): ValidateFunction {
    const selected = params.filter((p) => p.in === location);
    return coercing.compile(
      rewriteRefs({
        type: 'object',
        properties: Object.fromEntries(selected.map((p) => [p.name, p.schema])),
        required: selected.filter((p) => p.required || location === 'path').map((p) => p.name),
        additionalProperties: false,
      }) as JsonSchema,
    );
  }

  /**
   * Registers the handler of an operation of the document. Either
   * `operation(method, path, ...guards, handler)` — every handler but the last
   * is a guard — or `operation(method, path, { guards, rawBodyGuards }, handler)`.
   * See `OperationSteps` for the order they run in.
   */
  function operation(method: Method, openApiPath: string, ...handlers: RequestHandler[]): void;
  function operation(method: Method, openApiPath: string, steps: OperationSteps, handler: RequestHandler): void;
  function operation(method: Method, openApiPath: string, ...args: (RequestHandler | OperationSteps)[]): void {
    const op = doc.paths[openApiPath]?.[method];
    if (!op) throw new Error(`OpenAPI document has no operation ${method.toUpperCase()} ${openApiPath}`);
    const handler = args.at(-1);
    if (typeof handler !== 'function') throw new Error(`${method.toUpperCase()} ${openApiPath}: the last argument must be the handler`);
    const steps: OperationSteps = typeof args[0] === 'object' ? (args[0] as OperationSteps) : { guards: args.slice(0, -1) as RequestHandler[] };
    if (steps.rawBodyGuards?.length && !op.requestBody)
      throw new Error(`${method.toUpperCase()} ${openApiPath}: raw-body guards need a documented request body`);
    registered.add(`${method} ${openApiPath}`);
    const params = op.parameters ?? [];
    const validateParams = compileParameters(params, 'path');
    const validateQuery = compileParameters(params, 'query');
    const headerParams = params.filter((p) => p.in === 'header');
    const validateHeaders = coercing.compile(
      rewriteRefs({
        type: 'object',
        properties: Object.fromEntries(headerParams.map((p) => [p.name.toLowerCase(), p.schema])),
        required: headerParams.filter((p) => p.required).map((p) => p.name.toLowerCase()),
      }) as JsonSchema,
    );
    const bodySchema = op.requestBody?.content['application/json'].schema;
    const validateBody = bodySchema ? strict.compile(rewriteRefs(bodySchema) as JsonSchema) : undefined;
    const expressPath = openApiPath.replace(/\{(\w+)\}/g, ':$1');

    const validate = (req: Request, _res: Response, next: NextFunction) => {
      const pathValues = { ...req.params };
      const queryValues: Record<string, unknown> = { ...(req.query as Record<string, unknown>) };
      const errors = [];
      if (!validateParams(pathValues)) errors.push(...describe(validateParams.errors, 'path'));
      for (const [key, value] of Object.entries(queryValues)) {
        if (typeof value !== 'string') errors.push({ field: `query.${key}`, message: 'must be given once, as a plain value' });
      }
      if (!validateQuery(queryValues)) errors.push(...describe(validateQuery.errors, 'query'));
      const headerValues = Object.fromEntries(
        headerParams.flatMap((p) => {
          const value = req.headers[p.name.toLowerCase()];
          return value === undefined ? [] : [[p.name.toLowerCase(), value]];
        }),
      );
      if (!validateHeaders(headerValues)) errors.push(...describe(validateHeaders.errors, 'header'));
      let body: unknown = undefined;
      if (validateBody) {
        body = req.body;
        if (body === undefined) {
          if (op.requestBody?.required) return next(problems.badRequest('a JSON request body (Content-Type: application/json) is required'));
        } else if (!validateBody(body)) errors.push(...describe(validateBody.errors, 'body'));
      }
      if (errors.length > 0) return next(problems.validation(errors));
      req.input = { params: pathValues, query: queryValues, body };
      next();
    };
    // Operations without a documented body never read one.
    const bodySteps = op.requestBody ? [readBody, ...(steps.rawBodyGuards ?? []), parseJson] : [];
    router[method](expressPath, ...(steps.guards ?? []), ...bodySteps, validate, handler);
  }

  function unregisteredOperations(): string[] {
    const missing: string[] = [];
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) if (!registered.has(`${method} ${p}`)) missing.push(`${method.toUpperCase()} ${p}`);
    }
    return missing;
  }

  return { router, operation, unregisteredOperations, registered: () => [...registered] };
}

export type Api = ReturnType<typeof createApi>;

const retryAfterHeader = { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } };
const problemContent = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

/**
 * Adds the answers the platform itself gives to every operation that can get
 * them, so a document never promises less than the server does: 400
 * (validation), 401/403 (secured), 413/415 (has a body), 409/422
 * (Idempotency-Key in flight / reused), 503 with Retry-After (uses the
 * database). An operation's own description of a status is kept, and
 * extended where the platform adds a reason.
 */
export function withPlatformResponses(doc: OpenApiDocument, options: { database: boolean; idempotencyKeyTtlHours: number }): OpenApiDocument {
  const problem = (description: string) => ({ description, content: problemContent });
  const paths: OpenApiDocument['paths'] = {};
  for (const [path, ops] of Object.entries(doc.paths)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(ops) as [Method, Operation][]) {
      const responses: Record<string, unknown> = { ...op.responses };
      const add = (status: string, description: string) => void (responses[status] ??= problem(description));
      const mention = (status: string, reason: string, description: string) => {
        const existing = responses[status] as { description: string } | undefined;
        if (!existing) responses[status] = problem(description);
        else if (!existing.description.includes('Idempotency-Key')) responses[status] = { ...existing, description: `${existing.description}; or ${reason}` };
      };
      add('400', 'The request does not match the API schema');
      if (op.security?.length) {
        add('401', 'No valid bearer token');
        add('403', "The token's role may not do this");
      }
      if (op.requestBody) {
        add('413', 'Request body too large');
        add('415', 'Body is not UTF-8 application/json');
      }
      if (op.parameters?.some((p) => p.in === 'header' && p.name === openApiCommon.idempotencyKeyHeader.name)) {
        mention('409', 'a request with the same Idempotency-Key is still in flight', 'A request with the same Idempotency-Key is still in flight');
        mention('422', 'the Idempotency-Key was used with a different request', 'The Idempotency-Key was used with a different request');
      }
      if (options.database) {
        responses['503'] ??= {
          description: 'The database is unavailable or overloaded; retry after `Retry-After` seconds',
          content: problemContent,
        };
      }
      // Every 503 the platform gives, whatever its reason, says when to come back.
      const unavailable = responses['503'] as { headers?: Record<string, unknown> } | undefined;
      if (unavailable) responses['503'] = { ...unavailable, headers: { 'Retry-After': retryAfterHeader, ...unavailable.headers } };
      const parameters = op.parameters?.map((p) =>
        p.in === 'header' && p.name === openApiCommon.idempotencyKeyHeader.name
          ? { ...p, description: describeIdempotencyKey(options.idempotencyKeyTtlHours) }
          : p,
      );
      paths[path][method] = { ...op, ...(parameters ? { parameters } : {}), responses };
    }
  }
  return { ...doc, paths };
}

/** Reusable OpenAPI fragments every service's document uses. */
export const openApiCommon = {
  problemResponse: (description: string) => ({ description, content: problemContent }),
  problemSchema: {
    type: 'object',
    required: ['type', 'title', 'status'],
    properties: {
      type: { type: 'string', format: 'uri' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      instance: { type: 'string' },
      errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
    },
  },
  bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
  /**
   * A date-time a client sends. `format: date-time` alone allows offsets up to
   * ±23:59 and years 0000–9999, which PostgreSQL rejects (offsets beyond
   * ±15:59, year 0) or which turn into instants the API cannot write back as
   * RFC 3339 (past 9999 after applying the offset); the pattern keeps inputs
   * to what the database takes.
   */
  dateTime: (description?: string) => ({
    type: 'string',
    format: 'date-time',
    pattern: '^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-](0[0-9]|1[0-5]):[0-5][0-9])$',
    description:
      (description ? `${description} ` : '') + 'RFC 3339 date-time with seconds, in the years 1900–2999, with an offset of `Z` or `±hh:mm` up to ±15:59.',
  }),

  /** Described by `withPlatformResponses`, which knows how long keys are kept. */
  idempotencyKeyHeader: {
    name: 'Idempotency-Key',
    in: 'header' as const,
    required: false,
    schema: idempotencyKeySchema,
  } satisfies Parameter,
  uuidPathParam: (name: string, description: string) => ({
    name,
    in: 'path' as const,
    required: true,
    description,
    schema: { type: 'string', format: 'uuid' },
  }),
};
