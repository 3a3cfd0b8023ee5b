import { randomBytes } from 'node:crypto';
import { SignJWT, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Principal } from '@ticketing/platform/auth';
import { loadSigningKeySet } from '@ticketing/platform/signing-keys';
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

export { generateSigningKey, generateSigningKeySet, SigningKeyError } from '@ticketing/platform/signing-keys';

/** The key set of `setting` (USERS_SIGNING_KEYS, or another service's signing keys in the same form). */
export async function loadSigningKeys(text: string, setting = 'USERS_SIGNING_KEYS'): Promise<SigningKeySet> {
  const { activeKid, activeAlg, privateKey, publicJwks, verificationKeys } = await loadSigningKeySet(text, setting);
  const signClaims = (subject: string, extra: Record<string, unknown>, claims: SignedClaims) =>
    new SignJWT(extra)
      .setProtectedHeader({ alg: activeAlg, kid: activeKid, typ: 'JWT' })
      .setIssuer(claims.issuer)
      .setAudience(claims.audience)
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + claims.ttlSeconds)
      .setJti(randomBytes(12).toString('base64url'))
      .sign(privateKey);
  return {
    activeKid,
    publicJwks,
    verificationKeys,
    signClaims,
    sign: (principal, claims) => signClaims(principal.sub, { role: principal.role, ...(principal.org ? { org: principal.org } : {}) }, claims),
  };
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
