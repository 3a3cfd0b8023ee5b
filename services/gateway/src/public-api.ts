import express, { type Router } from 'express';
import { getAbsoluteFSPath } from 'swagger-ui-dist';
import type { OpenApiDocument } from '@ticketing/platform/openapi';
import { problems } from '@ticketing/platform/problem';
import type { Upstream, UpstreamClient } from './upstream.js';

/** Where the public API's document and its docs page are served. */
export const publicApiPaths = { document: '/api/openapi.json', docs: '/api/docs' } as const;

type Json = Record<string, unknown>;

/** Rewrites every local `$ref` into the namespaced component name. */
function renameRefs(value: unknown, rename: (ref: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => renameRefs(item, rename));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, key === '$ref' && typeof inner === 'string' ? rename(inner) : renameRefs(inner, rename)]),
    );
  }
  return value;
}

/**
 * The whole public API as one OpenAPI 3.1 document, made from the documents
 * the services serve: each path is prefixed with `/api/<service>`, each
 * component renamed `<service>.<name>` (two services may both define `Event`),
 * and every operation tagged with its service.
 */
export function mergeDocuments(parts: readonly { service: string; document: OpenApiDocument }[], info: { version: string }): OpenApiDocument {
  const merged: OpenApiDocument = {
    openapi: '3.1.0',
    info: {
      title: 'Ticketing platform API',
      version: info.version,
      description: 'Every public operation, reached through the gateway at `/api/<service>/…`. Built from the services’ own documents.',
    },
    paths: {},
    components: { schemas: {}, securitySchemes: {} },
    tags: parts.map((p) => ({ name: p.service })),
  };
  for (const { service, document } of parts) {
    const rename = (ref: string) => ref.replace(/^#\/components\/(\w+)\/(.+)$/, `#/components/$1/${service}.$2`);
    for (const [kind, entries] of Object.entries(document.components ?? {})) {
      if (kind === 'securitySchemes') continue; // one bearer scheme for all, below
      const target = ((merged.components as Json)[kind] ??= {}) as Json;
      for (const [name, value] of Object.entries((entries ?? {}) as Json)) target[`${service}.${name}`] = renameRefs(value, rename);
    }
    Object.assign(merged.components.securitySchemes!, document.components?.securitySchemes ?? {});
    for (const [path, operations] of Object.entries(document.paths)) {
      const renamed = renameRefs(operations, rename) as Record<string, Json>;
      merged.paths[`/api/${service}${path}`] = Object.fromEntries(
        Object.entries(renamed).map(([method, op]) => [method, { ...op, tags: [service, ...((op.tags as string[] | undefined) ?? [])] }]),
      );
    }
  }
  return merged;
}

/** Fetches the upstreams' documents when asked, keeping them `cacheSeconds`; an upstream that does not answer is left out and said so. */
export function createPublicApiDocument(options: {
  upstreams: readonly Upstream[];
  client: UpstreamClient;
  cacheSeconds: number;
  version: string;
  openApiPath: string;
}) {
  let cached: { at: number; document: OpenApiDocument } | undefined;
  return async function publicApiDocument(): Promise<OpenApiDocument> {
    if (cached && Date.now() - cached.at < options.cacheSeconds * 1000) return cached.document;
    const fetched = await Promise.all(
      options.upstreams.map(async (upstream) => {
        try {
          const { status, body } = await options.client.getJson(new URL(options.openApiPath, upstream.baseUrl).toString(), Math.min(upstream.timeoutMs, 5_000));
          return status === 200 && body && typeof body === 'object' ? { service: upstream.name, document: body as OpenApiDocument } : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    const parts = fetched.filter((part) => part !== undefined);
    if (parts.length === 0) throw problems.unavailable('no service answered with its API document', 5, 'upstream-unavailable', 'upstream-unavailable');
    const document = mergeDocuments(parts, { version: options.version });
    const missing = options.upstreams.filter((u) => !parts.some((p) => p.service === u.name)).map((u) => u.name);
    if (missing.length > 0) document.info.description += `\n\nNot included right now (not answering): ${missing.join(', ')}.`;
    // A partial document is served but not cached, so it heals as soon as the upstream is back.
    else cached = { at: Date.now(), document };
    return document;
  };
}

/**
 * The docs page: Swagger UI from the swagger-ui-dist package, served from
 * here (no CDN), configured by a script file of ours (no inline script, so
 * the CSP can forbid them).
 */
export function docsPage(): Router {
  const router = express.Router();
  const initializer = `window.onload = function () {
  window.ui = SwaggerUIBundle({ url: ${JSON.stringify(publicApiPaths.document)}, dom_id: '#swagger-ui', validatorUrl: null, deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], plugins: [SwaggerUIBundle.plugins.DownloadUrl], layout: 'StandaloneLayout' });
};
`;
  router.get('/swagger-initializer.js', (_req, res) => {
    res.type('text/javascript').send(initializer);
  });
  router.get('/', (req, res, next) => {
    // The page loads its assets relatively: /api/docs must end in a slash.
    if (!req.originalUrl.split('?')[0]!.endsWith('/')) return res.redirect(301, `${publicApiPaths.docs}/`);
    next();
  });
  router.use(express.static(getAbsoluteFSPath(), { index: 'index.html', redirect: false }));
  return router;
}
