import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createLocalJWKSet, importJWK, SignJWT, type JWK, type JSONWebKeySet, type JWTVerifyGetKey, type CryptoKey } from 'jose';
import { tokenAlgorithms, type Principal } from '@ticketing/platform/auth';
import { tokenClaimsEnv } from '@ticketing/platform/service-declaration';

/**
 * The users service's signing keys, from USERS_SIGNING_KEYS: a JWK set of
 * private keys, each with a `kid`, an `alg` (EdDSA or ES256) and exactly one
 * marked `"active": true`. New tokens are signed with the active key; every
 * listed key is published (without its private part) so tokens signed with a
 * previous key keep verifying until they expire (see docs/auth.md).
 */
export interface SigningKeySet {
  readonly activeKid: string;
  /** The public JWKS served at /.well-known/jwks.json. */
  readonly publicJwks: JSONWebKeySet;
  /** Verifies against the published keys, in process (no HTTP round trip to itself). */
  readonly verificationKeys: JWTVerifyGetKey;
  sign(principal: Principal, claims: SignedClaims): Promise<string>;
  /** Any JWT with the active key: `subject`, these extra claims, issuer, audience and lifetime (e.g. the waiting room's admission passes). */
  signClaims(subject: string, extra: Record<string, unknown>, claims: SignedClaims): Promise<string>;
}

/** Issuer, audience and lifetime of a signed JWT. */
export interface SignedClaims {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

type SigningJwk = JWK & { kid: string; alg: (typeof tokenAlgorithms)[number]; active?: boolean };

const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'active', 'key_ops'] as const;

export class SigningKeyError extends Error {}

function parseKeys(text: string, setting: string): SigningJwk[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SigningKeyError(`${setting} is not JSON (a JWK set: {"keys": [...]})`);
  }
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new SigningKeyError(`${setting} has no "keys"`);
  const kids = new Set<string>();
  for (const key of keys as SigningJwk[]) {
    if (typeof key.kid !== 'string' || key.kid.length === 0) throw new SigningKeyError('every signing key needs a "kid"');
    if (kids.has(key.kid)) throw new SigningKeyError(`signing key id ${key.kid} is listed twice`);
    kids.add(key.kid);
    if (!tokenAlgorithms.includes(key.alg)) throw new SigningKeyError(`signing key ${key.kid}: "alg" must be one of ${tokenAlgorithms.join(', ')}`);
    if (typeof key.d !== 'string') throw new SigningKeyError(`signing key ${key.kid} has no private part ("d")`);
  }
  const active = (keys as SigningJwk[]).filter((k) => k.active === true);
  if (active.length !== 1) throw new SigningKeyError(`exactly one signing key must be "active": true (found ${active.length})`);
  return keys as SigningJwk[];
}

function publicPartOf(key: SigningJwk): JWK {
  const copy: Record<string, unknown> = { ...key, use: 'sig' };
  for (const member of privateMembers) delete copy[member];
  return copy as JWK;
}

/** The key set of `setting` (USERS_SIGNING_KEYS, or another service's signing keys in the same form). */
export async function loadSigningKeys(text: string, setting = 'USERS_SIGNING_KEYS'): Promise<SigningKeySet> {
  const keys = parseKeys(text, setting);
  const active = keys.find((k) => k.active === true)!;
  const privateKey = (await importJWK({ ...active, active: undefined } as JWK, active.alg)) as CryptoKey;
  const publicJwks: JSONWebKeySet = { keys: keys.map(publicPartOf) };
  const signClaims = (subject: string, extra: Record<string, unknown>, claims: SignedClaims) =>
    new SignJWT(extra)
      .setProtectedHeader({ alg: active.alg, kid: active.kid, typ: 'JWT' })
      .setIssuer(claims.issuer)
      .setAudience(claims.audience)
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + claims.ttlSeconds)
      .setJti(randomBytes(12).toString('base64url'))
      .sign(privateKey);
  return {
    activeKid: active.kid,
    publicJwks,
    verificationKeys: createLocalJWKSet(publicJwks),
    signClaims,
    sign: (principal, claims) => signClaims(principal.sub, { role: principal.role, ...(principal.org ? { org: principal.org } : {}) }, claims),
  };
}

/** A fresh Ed25519 signing key as a JWK with a new kid (for USERS_SIGNING_KEYS). */
export function generateSigningKey(active: boolean): SigningJwk {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as JWK;
  return { ...jwk, kid: `${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`, alg: 'EdDSA', active };
}

/** A USERS_SIGNING_KEYS value with one fresh active key (developer machines and tests). */
export function generateSigningKeySet(): string {
  return JSON.stringify({ keys: [generateSigningKey(true)] });
}

/** The issuer and audience the declaration defaults to, unless AUTH_ISSUER / AUTH_AUDIENCE say otherwise. */
function declaredClaims(env: NodeJS.ProcessEnv): { issuer: string; audience: string } {
  const fallback = (name: string) => tokenClaimsEnv.find((s) => s.name === name)!.default!;
  return { issuer: env.AUTH_ISSUER || fallback('AUTH_ISSUER'), audience: env.AUTH_AUDIENCE || fallback('AUTH_AUDIENCE') };
}

/**
 * Signs tokens directly with a USERS_SIGNING_KEYS value, for tooling that has
 * the key (`npm run token` with the local dev key, a load test against a
 * cluster whose key the operator holds).
 */
export async function tokenMintFromSigningKeys(
  text: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<(principal: Principal, ttlSeconds: number) => Promise<string>> {
  const keys = await loadSigningKeys(text);
  const claims = declaredClaims(env);
  return (principal, ttlSeconds) => keys.sign(principal, { ...claims, ttlSeconds });
}
