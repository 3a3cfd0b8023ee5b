import { analyticsService } from '@ticketing/analytics/service';
import { bookingService } from '@ticketing/booking/service';
import { catalogService } from '@ticketing/catalog/service';
import { notificationsService } from '@ticketing/notifications/service';
import { ticketsService } from '@ticketing/tickets/service';
import { usersService } from '@ticketing/users/service';
import { waitingRoomService } from '@ticketing/waiting-room/service';
import { authEnv, commonEnv, standardPaths, integerSetting, type EnvSetting, type ServiceDeclaration } from '@ticketing/platform/service-declaration';

/**
 * The services the gateway routes to, `/api/<name>/…` → that service. Adding
 * one here adds its route, its URL and timeout settings, its readiness check,
 * its part of the public OpenAPI document and its NetworkPolicy flow.
 */
export const gatewayUpstreams: readonly ServiceDeclaration[] = [
  usersService,
  catalogService,
  bookingService,
  ticketsService,
  notificationsService,
  analyticsService,
  waitingRoomService,
];

/** The upstreams' streamed-upload routes, as the gateway serves them (`/api/<service><path>`). */
export const gatewayStreamedUploads = gatewayUpstreams.flatMap((upstream) =>
  (upstream.streamedUploads ?? []).map((upload) => ({ ...upload, upstream: upstream.name, path: `/api/${upstream.name}${upload.path}` })),
);
const mebibyte = 1_048_576;

const settingPrefix = (service: string) => service.toUpperCase().replace(/[^A-Z0-9]/g, '_');
/** Names of the settings that say where an upstream is and how long a call to it may take. */
export const upstreamSettings = (service: string) => ({ url: `${settingPrefix(service)}_URL`, timeoutMs: `${settingPrefix(service)}_TIMEOUT_MS` });

const upstreamEnv: EnvSetting[] = gatewayUpstreams.flatMap((upstream) => [
  {
    name: upstreamSettings(upstream.name).url,
    description: `Base URL of the ${upstream.name} service (in-cluster: its Service).`,
    kind: 'url',
    default: `http://127.0.0.1:${upstream.port}`,
    from: 'service-url',
    service: upstream.name,
  },
  integerSetting(
    upstreamSettings(upstream.name).timeoutMs,
    `Longest a call to ${upstream.name} may take, retries included, before the gateway answers 504.`,
    10000,
    50,
    120000,
  ),
]);

/** The single public entry: routes, edge authentication, shared rate limits, security headers, the whole API's docs. */
export const gatewayService = {
  name: 'gateway',
  description: 'Public entry: routes /api/<service>/… to the services, verifies tokens, rate-limits per client and IP, serves the API docs.',
  port: 8080,
  ...standardPaths,
  entry: 'services/gateway/src/main.ts',
  env: [
    ...commonEnv,
    ...authEnv,
    ...upstreamEnv,
    {
      name: 'REDIS_URL',
      description: 'Valkey/Redis holding the rate-limit counters every gateway replica shares (redis://[:password@]host:port).',
      kind: 'url',
      secret: true,
    },
    {
      name: 'RATE_LIMIT_KEY_PREFIX',
      description: 'Prefix of the counter keys in Redis: gateways sharing it with the same prefix share their budgets.',
      kind: 'string',
      default: 'gateway-rl',
      minLength: 1,
    },
    integerSetting('RATE_LIMIT_WINDOW_SECONDS', 'Length of one rate-limit window.', 60, 1, 3600),
    integerSetting('RATE_LIMIT_PER_IP', 'Requests one client IP may make per window.', 600, 1, 1_000_000),
    integerSetting('RATE_LIMIT_PER_CLIENT', 'Requests one authenticated client (token subject) may make per window.', 300, 1, 1_000_000),
    integerSetting(
      'RATE_LIMIT_HOLDS_PER_CLIENT',
      'Hold creations (POST /api/booking/holds) one client, or one IP without a token, may make per window: one bot cannot flood an onsale.',
      10,
      1,
      100_000,
    ),
    integerSetting('BODY_LIMIT_KB', 'Largest request body the gateway forwards (413 above), but on streamed-upload routes.', 64, 1, 10_240),
    integerSetting(
      'STREAMED_UPLOAD_LIMIT_MB',
      `Largest body of a streamed-upload route (${gatewayStreamedUploads.map((u) => `${u.method.toUpperCase()} ${u.path}`).join(', ')}), forwarded as it arrives, never held whole (413 above; the route's own declared cap applies too).`,
      Math.ceil(Math.max(...gatewayStreamedUploads.map((u) => u.maxBytes)) / mebibyte),
      1,
      2_048,
    ),
    integerSetting(
      'UPSTREAM_RETRIES',
      'Extra attempts for calls safe to repeat (GET/HEAD, or writes with an Idempotency-Key) on a refused or reset connection or a 502.',
      1,
      0,
      5,
    ),
    {
      name: 'CORS_ALLOWED_ORIGINS',
      description: 'Comma-separated origins browsers may call the API from (exact match); empty: none.',
      kind: 'string',
      default: '',
    },
    integerSetting(
      'HSTS_MAX_AGE_SECONDS',
      'Strict-Transport-Security max-age (browsers ignore it over plain HTTP); 0 turns it off.',
      31_536_000,
      0,
      63_072_000,
    ),
    integerSetting('OPENAPI_CACHE_SECONDS', "How long the upstreams' OpenAPI documents are cached for the merged document.", 30, 0, 3600),
    integerSetting(
      'TRUST_PROXY_HOPS',
      'Proxies in front of the gateway whose X-Forwarded-For is trusted for the client IP (in-cluster: the edge proxy, Traefik, behind the public Gateway).',
      1,
      0,
      5,
    ),
  ],
  dependencies: { postgres: false, redis: true, services: gatewayUpstreams.map((s) => s.name) },
  resources: {
    requests: { cpu: '100m', memory: '192Mi' },
    limits: { cpu: '1', memory: '384Mi' },
  },
  scaling: {
    minReplicas: 2,
    maxReplicas: 10,
    targetCpuUtilizationPercent: 70,
    targetRequestsPerSecondPerPod: 400,
  },
  shutdownGraceSeconds: 20,
  publicEntry: true,
  // Its server and the edge in front of it allow these as long as the upstream does.
  streamedUploads: gatewayStreamedUploads.map(({ method, path, maxBytes, timeoutSeconds }) => ({ method, path, maxBytes, timeoutSeconds })),
} as const satisfies ServiceDeclaration;
