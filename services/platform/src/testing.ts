import { generateKeyPairSync, randomBytes, sign, type JsonWebKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { jwksPath, organizationRoles, type Role } from './auth.js';

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

/**
 * The login to the test Kafka when it authenticates (SCRAM-SHA-512, like the
 * cluster): TEST_KAFKA_SASL=`scram-sha-512:<user>:<password>` names a user
 * allowed everything (the broker's super user), so tests create topics and
 * read them. Unset: a plaintext broker. Every Kafka client of a test gets it
 * from here (testServiceEnv, createTestTopic, consumeTopic), never on its own.
 */
export function testKafkaSasl(): { mechanism: 'scram-sha-512'; username: string; password: string } | undefined {
  const described = process.env.TEST_KAFKA_SASL;
  if (!described) return undefined;
  const [mechanism, username, ...password] = described.split(':');
  if (mechanism !== 'scram-sha-512' || !username || password.length === 0) {
    throw new Error('TEST_KAFKA_SASL must be scram-sha-512:<user>:<password>');
  }
  return { mechanism, username, password: password.join(':') };
}

/** A service's Kafka settings (KAFKA_BROKERS and its SASL login) on the test Kafka. */
export function testKafkaEnv(brokers = process.env.TEST_KAFKA_BROKERS ?? '127.0.0.1:1'): Record<string, string> {
  const sasl = testKafkaSasl();
  return { KAFKA_BROKERS: brokers, ...(sasl ? { KAFKA_SASL_USERNAME: sasl.username, KAFKA_SASL_PASSWORD: sasl.password } : {}) };
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

/**
 * The test issuer: an Ed25519 key generated per test process and its JWKS
 * served on 127.0.0.1, so services under test verify tokens exactly as in
 * production (AUTH_JWKS_URL) without a users service. Tokens are signed
 * synchronously (node:crypto) so test code can mint them inline.
 */
const issuerKey = generateKeyPairSync('ed25519');
export const testIssuerKid = `test-${randomBytes(4).toString('hex')}`;
export const testIssuerPublicJwk: JsonWebKey = { ...issuerKey.publicKey.export({ format: 'jwk' }), kid: testIssuerKid, alg: 'EdDSA', use: 'sig' };
const jwksServer = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [testIssuerPublicJwk] }));
});
await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
jwksServer.unref();

/** The auth settings (authEnv) of a service that trusts the test issuer. */
export const testAuthEnv = {
  AUTH_JWKS_URL: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}${jwksPath}`,
  AUTH_ISSUER: 'ticketing-users',
  AUTH_AUDIENCE: 'ticketing',
};

export const testSecrets = {
  ...testAuthEnv,
  PAYMENT_WEBHOOK_SECRET: 'test-webhook-secret-0123456789abcdef012345',
};

/** A compact JWS of `header` and `payload` signed by the test issuer's key (or, for forgeries, not). */
export function signTestJws(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input), issuerKey.privateKey).toString('base64url')}`;
}

export interface TestTokenOptions {
  /** A partner's or staff member's organization; defaults to `org-<sub>`. */
  org?: string;
  /** Negative for an already expired token. @default 3600 */
  ttlSeconds?: number;
}

/** An access token of the test issuer, shaped like the users service's. */
export function testToken(sub: string, role: Role, options: TestTokenOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const org = organizationRoles.includes(role) ? (options.org ?? `org-${sub}`) : undefined;
  return signTestJws(
    { alg: 'EdDSA', typ: 'JWT', kid: testIssuerKid },
    { iss: testAuthEnv.AUTH_ISSUER, aud: testAuthEnv.AUTH_AUDIENCE, sub, role, ...(org ? { org } : {}), iat: now, exp: now + (options.ttlSeconds ?? 3600) },
  );
}

/**
 * Small fetch wrapper for JSON APIs in tests. A request that gets no answer
 * within `timeoutMs` fails naming itself, instead of hanging the test file.
 */
export async function http(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string>; /** @default 30000 */ timeoutMs?: number } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${baseUrl}${path}`, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    text = await res.text();
  } catch (error) {
    if ((error as Error).name !== 'TimeoutError') throw error;
    throw new Error(`${method} ${baseUrl}${path} got no answer within ${timeoutMs} ms`);
  }
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* keep text */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
