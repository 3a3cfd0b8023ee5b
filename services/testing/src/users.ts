/** The users service in-process on a fresh database with a freshly generated signing key. */
import { startService, type RunningService } from '@ticketing/platform';
import { createTestDatabase, http } from '@ticketing/platform/testing';
import { usersDefinition } from '@ticketing/users/app';
import { generateSigningKeySet } from '@ticketing/users/signing-keys';

export interface TestUsers {
  service: RunningService;
  url: string;
  databaseUrl: string;
  call: (method: string, path: string, options?: Parameters<typeof http>[3]) => ReturnType<typeof http>;
  /** Restarts the service on the same database with other settings (e.g. rotated keys). */
  restart(env: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

/** Cheap argon2 (tests hash many passwords) and no slow-down unless a test asks for it. */
/** Cheap argon2 and no log-in delays: tests measure behaviour, not hashing. */
export const fastUsersEnv = {
  PASSWORD_ARGON2_MEMORY_KIB: '1024',
  PASSWORD_ARGON2_TIME_COST: '1',
  LOGIN_SLOWDOWN_STEP_MS: '0',
  TRUSTED_PROXY_HOPS: '0',
};

/** A users service on its own fresh database with a freshly generated signing key, in this process. */
export async function startUsers(env: Record<string, string> = {}): Promise<TestUsers> {
  const db = await createTestDatabase('users');
  const baseEnv = {
    ...process.env,
    DATABASE_URL: db.url,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    USERS_SIGNING_KEYS: generateSigningKeySet(),
    ...fastUsersEnv,
    ...env,
  };
  let service = await startService(usersDefinition, baseEnv).catch(async (error: unknown) => {
    await db.drop();
    throw error;
  });
  // Restarts keep the port, so verifiers keep fetching keys from the same URL.
  baseEnv.PORT = String(service.port);
  const users: TestUsers = {
    service,
    url: service.url,
    databaseUrl: db.url,
    call: (method, path, options = {}) => http(users.url, method, path, options),
    async restart(overrides) {
      await service.stop();
      service = await startService(usersDefinition, { ...baseEnv, ...overrides });
      users.service = service;
      users.url = service.url;
    },
    async close() {
      await service.stop();
      await db.drop();
    },
  };
  return users;
}
