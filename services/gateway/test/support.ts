import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startService, type RunningService } from '@ticketing/platform';
import { http, testAuthEnv } from '@ticketing/platform/testing';
import { testRedisUrl } from '@ticketing/testing';
import { findFreePort } from '../../../scripts/local-stack/ports.js';
import { waitFor } from '../../../scripts/local-stack/waiting.js';
import { gatewayDefinition } from '../src/app.js';
import { upstreamSettings } from '../src/service.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** Env for a gateway under test: the real test Redis, counters of its own (a fresh key prefix), upstreams as given. */
export function gatewayEnv(upstreams: Record<string, string>, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'error',
    REDIS_URL: testRedisUrl(),
    RATE_LIMIT_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}`,
    ...testAuthEnv,
    ...Object.fromEntries(Object.entries(upstreams).map(([service, url]) => [upstreamSettings(service).url, url])),
    ...overrides,
  };
}

export interface TestGateway {
  url: string;
  call: (method: string, path: string, options?: Parameters<typeof http>[3]) => ReturnType<typeof http>;
  service?: RunningService;
  close(): Promise<void>;
}

/** A gateway in this process. */
export async function startGateway(env: Record<string, string>): Promise<TestGateway> {
  const service = await startService(gatewayDefinition, { ...process.env, ...env });
  return { url: service.url, service, call: (method, p, options) => http(service.url, method, p, options), close: () => service.stop() };
}

/** A gateway as its own OS process (`node services/gateway/src/main.ts`), as a replica runs. */
export async function spawnGateway(env: Record<string, string>): Promise<TestGateway> {
  const port = await findFreePort();
  const child: ChildProcess = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', 'services/gateway/src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/healthz`, {
    what: 'gateway process to start',
    timeoutMs: 30_000,
    failIf: () => (child.exitCode !== null ? new Error('gateway exited') : undefined),
  });
  return {
    url,
    call: (method, p, options) => http(url, method, p, options),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
