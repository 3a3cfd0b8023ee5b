import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { ServiceConfig } from './config.js';
import { problems } from './problem.js';

/**
 * Bearer tokens are short-lived JWTs the users service signs with an
 * asymmetric key (EdDSA or ES256). Every service verifies them against the
 * users service's published JWKS, so no service but the users service holds
 * a signing key. Roles gate writes; a partner's token carries its
 * organization (`org`), which is what owns venues, events and their sales.
 */
export type Role = 'buyer' | 'partner' | 'staff' | 'admin';
export const roles: readonly Role[] = ['buyer', 'partner', 'staff', 'admin'];
/** Roles that act for one organization and carry it in the `org` claim: its organizers and its door staff. */
export const organizationRoles: readonly Role[] = ['partner', 'staff'];

/** The only algorithms accepted: `none`, HS* (e.g. forged with a public key) and RSA are refused. */
export const tokenAlgorithms = ['EdDSA', 'ES256'] as const;
/** Where the users service publishes its keys; a bare origin in AUTH_JWKS_URL means this path. */
export const jwksPath = '/.well-known/jwks.json';

export interface Principal {
  readonly sub: string;
  readonly role: Role;
  /** A partner's or staff member's organization id; absent for buyers and admins. */
  readonly org?: string;
}

export interface TokenVerifier {
  /** The principal of a valid token; throws a 401 problem otherwise. */
  verify(token: string): Promise<Principal>;
}

export type TokenVerifierOptions = { issuer: string; audience: string } & (
  | /** The users service's JWKS document (or its origin). */ { jwksUrl: string }
  | /** Keys at hand (the users service checking its own tokens). */ { keys: JWTVerifyGetKey }
);

export function jwksUrlOf(url: string): URL {
  const parsed = new URL(url);
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = jwksPath;
  return parsed;
}

/**
 * Verifies against a remote JWKS: jose caches the key set, refetches it when
 * a token names an unknown `kid` (a rotated-in key) — at most once per
 * cooldown, so a flood of made-up kids cannot hammer the users service — and
 * refreshes it after `cacheMaxAge` anyway.
 */
export const jwksCache = { cooldownMs: 2000, maxAgeMs: 5 * 60_000, timeoutMs: 2000 } as const;

/** The keys of `options`: at hand, or a remote JWKS cached as `jwksCache` says. */
export function keySetOf(options: { jwksUrl: string } | { keys: JWTVerifyGetKey }): JWTVerifyGetKey {
  if ('keys' in options) return options.keys;
  return createRemoteJWKSet(jwksUrlOf(options.jwksUrl), {
    timeoutDuration: jwksCache.timeoutMs,
    cooldownDuration: jwksCache.cooldownMs,
    cacheMaxAge: jwksCache.maxAgeMs,
  });
}

/**
 * Tokens verified recently, so a buyer's every request does not pay for a
 * signature check again (an EdDSA verification is the largest CPU cost of a
 * hold after the database's round trips). An entry is kept until the token
 * expires, but never longer than jose keeps a fetched key set
 * (`jwksCache.maxAgeMs`): a key withdrawn from the JWKS stops being honoured
 * as soon as it would without this cache. Bounded; the least recently used
 * go first.
 */
export const verifiedTokenCache = { maxEntries: 5000, maxAgeMs: jwksCache.maxAgeMs } as const;

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const keySet = keySetOf(options);
  const verified = new Map<string, { principal: Principal; validUntil: number }>();
  return {
    async verify(token) {
      const now = Date.now();
      const cached = verified.get(token);
      if (cached) {
        verified.delete(token);
        if (now < cached.validUntil) {
          verified.set(token, cached);
          return cached.principal;
        }
      }
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, keySet, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: [...tokenAlgorithms],
          requiredClaims: ['sub', 'exp', 'iat'],
        }));
      } catch (error) {
        // Keys that cannot be fetched are our fault, not the client's: retry later.
        if (keysUnavailable(error)) throw problems.unavailable('the signing keys cannot be fetched from the users service', 5, 'jwks-unavailable');
        throw problems.unauthorized(reasonOf(error));
      }
      const principal = principalOfClaims(payload);
      verified.set(token, { principal, validUntil: Math.min((payload.exp as number) * 1000, now + verifiedTokenCache.maxAgeMs) });
      if (verified.size > verifiedTokenCache.maxEntries) verified.delete(verified.keys().next().value!);
      return principal;
    },
  };
}

/** The principal a verified token's claims name; a 401 problem when they name none. */
function principalOfClaims(payload: Record<string, unknown>): Principal {
  const { sub, role, org } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 200) throw problems.unauthorized('token has no subject');
  if (typeof role !== 'string' || !roles.includes(role as Role)) throw problems.unauthorized('token has no valid role');
  const scoped = organizationRoles.includes(role as Role);
  if (scoped && (typeof org !== 'string' || org.length === 0)) throw problems.unauthorized(`${role} token has no organization`);
  return scoped ? { sub, role: role as Role, org: org as string } : { sub, role: role as Role };
}

/** A reason for the client that names the failed check, never the key material. */
function reasonOf(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `token claim ${error.claim} is not acceptable`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm is not accepted';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'token is signed with an unknown key';
  return 'malformed token';
}

/** Whether a verification failed because the key set could not be fetched (our fault: retry later), not because of the token. */
export function keysUnavailable(error: unknown): boolean {
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) return true;
  // jose's generic error is what a non-200 JWKS answer raises; every other JOSEError is about the token.
  if (error instanceof joseErrors.JOSEError) return error.code === 'ERR_JOSE_GENERIC';
  // fetch() rejects with a TypeError when the users service is unreachable.
  return error instanceof TypeError;
}

/** The verifier a service's declared auth settings (`authEnv`) describe. */
export function tokenVerifierFrom(config: ServiceConfig): TokenVerifier {
  return createTokenVerifier({ jwksUrl: config.string('AUTH_JWKS_URL'), issuer: config.string('AUTH_ISSUER'), audience: config.string('AUTH_AUDIENCE') });
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/**
 * The request's principal: undefined without an Authorization header, a 401
 * problem for a malformed, forged or expired token.
 */
export async function authenticate(req: Request, verifier: TokenVerifier): Promise<Principal | undefined> {
  const header = req.get('authorization');
  if (header === undefined) return undefined;
  const match = header.match(/^Bearer\s+(\S+)$/i);
  if (!match?.[1]) throw problems.unauthorized();
  return verifier.verify(match[1]);
}

/** Middleware: requires a valid token whose role is one of `allowed`. */
export function requireRole(verifier: TokenVerifier, ...allowed: Role[]) {
  return (req: Request, _res: Response, next: NextFunction) => {
    authenticate(req, verifier).then((principal) => {
      if (!principal) return next(problems.unauthorized());
      if (!allowed.includes(principal.role)) return next(problems.forbidden(`role ${principal.role} may not do this; needs ${allowed.join(' or ')}`));
      req.principal = principal;
      next();
    }, next);
  };
}

export function principalOf(req: Request): Principal {
  if (!req.principal) throw new Error('route is missing requireRole()');
  return req.principal;
}

/**
 * Raw-body guard (see `OperationSteps.rawBodyGuards`): requires header
 * `<header>: sha256=<hex HMAC-SHA256 of the exact body bytes with secret>`,
 * else 401. Runs before the body is parsed, so unsigned input is never parsed.
 */
export function verifyHmacSignature(options: { header: string; secret: string }) {
  const { header, secret } = options;
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!req.rawBody) return next(new Error('verifyHmacSignature must run as a raw-body guard, after the body is read'));
    const given = Buffer.from(req.get(header) ?? '');
    const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(req.rawBody).digest('hex')}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return next(problems.unauthorized(`missing or wrong ${header}`));
    next();
  };
}
