import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createLocalJWKSet, importJWK, type CryptoKey, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';
import { tokenAlgorithms } from './auth.js';

/**
 * A rotatable set of private signing keys from one secret setting: a JWK set
 * whose keys each have a `kid` and an `alg` (EdDSA or ES256), exactly one
 * marked `"active": true`. The active key signs; every listed key is
 * published without its private part, so what a previous key signed keeps
 * verifying while it is still listed (rotation: docs/auth.md).
 */
export interface SigningKeys {
  readonly activeKid: string;
  readonly activeAlg: (typeof tokenAlgorithms)[number];
  readonly privateKey: CryptoKey;
  /** The public JWKS to publish. */
  readonly publicJwks: JSONWebKeySet;
  /** Verifies against the published keys, in process. */
  readonly verificationKeys: JWTVerifyGetKey;
}

export type SigningJwk = JWK & { kid: string; alg: (typeof tokenAlgorithms)[number]; active?: boolean };

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

/** Parses and imports the key set of `setting` (its name is used in errors). */
export async function loadSigningKeySet(text: string, setting: string): Promise<SigningKeys> {
  const keys = parseKeys(text, setting);
  const active = keys.find((k) => k.active === true)!;
  const privateKey = (await importJWK({ ...active, active: undefined } as JWK, active.alg)) as CryptoKey;
  const publicJwks: JSONWebKeySet = { keys: keys.map(publicPartOf) };
  return { activeKid: active.kid, activeAlg: active.alg, privateKey, publicJwks, verificationKeys: createLocalJWKSet(publicJwks) };
}

/** A fresh Ed25519 signing key as a JWK with a new kid. */
export function generateSigningKey(active: boolean): SigningJwk {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as JWK;
  return { ...jwk, kid: `${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`, alg: 'EdDSA', active };
}

/** A key-set value with one fresh active key (developer machines and tests). */
export function generateSigningKeySet(): string {
  return JSON.stringify({ keys: [generateSigningKey(true)] });
}
