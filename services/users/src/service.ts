import { commonEnv, databaseEnv, standardPaths, integerSetting, tokenClaimsEnv, type ServiceDeclaration } from '@ticketing/platform/service-declaration';

/** Accounts, organizations and partners; the only holder of the token signing keys. */
export const usersService = {
  name: 'users',
  description: 'Accounts (buyers, partners, admins), organizations, log-in with argon2id, access and refresh tokens; publishes the token JWKS.',
  port: 8083,
  ...standardPaths,
  entry: 'services/users/src/main.ts',
  env: [
    ...commonEnv,
    ...databaseEnv,
    ...tokenClaimsEnv,
    {
      name: 'USERS_SIGNING_KEYS',
      description:
        'JWK set of private signing keys (EdDSA or ES256), each with a "kid"; exactly one has "active": true and signs. ' +
        'Every listed key is published at /.well-known/jwks.json (rotation: docs/auth.md).',
      kind: 'string',
      minLength: 32,
      secret: true,
    },
    integerSetting('ACCESS_TOKEN_TTL_SECONDS', 'Lifetime of an access token (JWT).', 600, 60, 3600),
    integerSetting('REFRESH_TOKEN_TTL_DAYS', 'Lifetime of a refresh token family without use; each use rotates the token.', 30, 1, 365),
    // OWASP's argon2id baseline: m = 19 MiB, t = 2, p = 1.
    integerSetting('PASSWORD_ARGON2_MEMORY_KIB', 'argon2id memory cost (KiB).', 19456, 1024, 1048576),
    integerSetting('PASSWORD_ARGON2_TIME_COST', 'argon2id iterations.', 2, 1, 20),
    integerSetting('PASSWORD_ARGON2_PARALLELISM', 'argon2id lanes.', 1, 1, 16),
    integerSetting('LOGIN_FAILURE_WINDOW_SECONDS', 'Failed log-ins count against an account or address for this long after the first one.', 900, 10, 86400),
    integerSetting(
      'LOGIN_SLOWDOWN_AFTER_FAILURES',
      'From this many failures on, each further attempt is answered later (LOGIN_SLOWDOWN_STEP_MS per failure).',
      3,
      1,
      100,
    ),
    integerSetting('LOGIN_SLOWDOWN_STEP_MS', 'Added delay per failure beyond LOGIN_SLOWDOWN_AFTER_FAILURES (capped at 5 s).', 250, 0, 5000),
    integerSetting('LOGIN_ACCOUNT_LOCK_AFTER_FAILURES', 'Failures for one email that lock it (429) for LOGIN_LOCK_SECONDS.', 6, 2, 1000),
    integerSetting('LOGIN_IP_LOCK_AFTER_FAILURES', 'Failures from one client address that lock it (429) for LOGIN_LOCK_SECONDS.', 30, 2, 100000),
    integerSetting('LOGIN_LOCK_SECONDS', 'How long a lock lasts; answered as Retry-After.', 900, 1, 86400),
    integerSetting(
      'TRUSTED_PROXY_HOPS',
      'Proxies in front of the service (the gateway) whose X-Forwarded-For entries are trusted for the client address; 0 uses the socket address.',
      1,
      0,
      5,
    ),
  ],
  dependencies: { postgres: true, services: [] },
  resources: {
    // argon2id hashing is memory- and CPU-bound: one hash takes ~19 MiB for ~30 ms.
    requests: { cpu: '200m', memory: '192Mi' },
    limits: { cpu: '1', memory: '384Mi' },
  },
  scaling: {
    minReplicas: 2,
    maxReplicas: 6,
    targetCpuUtilizationPercent: 70,
  },
  shutdownGraceSeconds: 20,
} as const satisfies ServiceDeclaration;
