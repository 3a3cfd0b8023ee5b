import { openApiCommon, type OpenApiDocument } from '@ticketing/platform/openapi';
import { publicApiPaths } from './public-api.js';

/** The gateway's own operations; the services' operations are in the merged document it serves. */
export const gatewayOpenApi: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Gateway',
    version: '1.0.0',
    description: `The public entry. \`/api/<service>/…\` is forwarded to that service; ${publicApiPaths.document} describes all of it and ${publicApiPaths.docs}/ renders it.`,
  },
  paths: {
    [publicApiPaths.document]: {
      get: {
        operationId: 'getPublicApiDocument',
        summary: 'The OpenAPI 3.1 document of the whole public API',
        tags: ['docs'],
        responses: {
          '200': { description: 'Every operation of every service, under /api/<service>', content: { 'application/json': { schema: { type: 'object' } } } },
          '429': openApiCommon.problemResponse('Rate limit reached; see Retry-After'),
          '503': openApiCommon.problemResponse('No service answered with its document'),
        },
      },
    },
  },
  components: { schemas: { Problem: openApiCommon.problemSchema } },
};
