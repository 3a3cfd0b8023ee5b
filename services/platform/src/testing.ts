import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { signToken, type Role } from './auth.js';

/**
 * Test support: every test file gets its own database on the real test
 * PostgreSQL server that `npm test` starts (TEST_DATABASE_URL, superuser).
 */
export function testDatabaseServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run tests through `npm test`, which starts PostgreSQL');
  return url;
}

export function testKafkaBrokers(): string[] {
  const brokers = process.env.TEST_KAFKA_BROKERS;
  if (!brokers) throw new Error('TEST_KAFKA_BROKERS is not set: run tests through `npm test`, which starts Kafka');
  return brokers.split(',');
}

/** A fresh database on `server` (a superuser URL; default TEST_DATABASE_URL). */
export async function createTestDatabase(prefix = 't', server = testDatabaseServerUrl()): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: server });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export const testSecrets = {
  AUTH_TOKEN_SECRET: 'test-auth-secret-0123456789abcdef0123456789',
  PAYMENT_WEBHOOK_SECRET: 'test-webhook-secret-0123456789abcdef012345',
};

export function testToken(sub: string, role: Role): string {
  return signToken(testSecrets.AUTH_TOKEN_SECRET, { sub, role, ttlSeconds: 3600 });
}

/** Small fetch wrapper for JSON APIs in tests. */
export async function http(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* keep text */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
