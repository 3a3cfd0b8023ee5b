import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { problems } from './problem.js';

/**
 * Bearer tokens are HS256 JWTs signed with AUTH_TOKEN_SECRET. Small on
 * purpose: the users service (a later issue) issues them; every service only
 * verifies. Roles gate organizer-only writes.
 */
export type Role = 'buyer' | 'organizer' | 'admin';
export const roles: readonly Role[] = ['buyer', 'organizer', 'admin'];

export interface Principal {
  readonly sub: string;
  readonly role: Role;
}

const b64url = (input: Buffer | string) => Buffer.from(input).toString('base64url');

export function signToken(secret: string, claims: { sub: string; role: Role; ttlSeconds?: number }): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ sub: claims.sub, role: claims.role, iat: now, exp: now + (claims.ttlSeconds ?? 3600) }));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Returns the principal, or a reason the token is not acceptable. */
export function verifyToken(secret: string, token: string): Principal | string {
  const parts = token.split('.');
  if (parts.length !== 3) return 'malformed token';
  const [header, payload, signature] = parts as [string, string, string];
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad signature';
  let claims: { alg?: unknown; sub?: unknown; role?: unknown; exp?: unknown };
  try {
    const head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown };
    if (head.alg !== 'HS256') return 'unsupported algorithm';
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return 'malformed token';
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return 'token expired';
  if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 200) return 'token has no subject';
  if (typeof claims.role !== 'string' || !roles.includes(claims.role as Role)) return 'token has no valid role';
  return { sub: claims.sub, role: claims.role as Role };
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
export function authenticate(req: Request, secret: string): Principal | undefined {
  const header = req.get('authorization');
  if (header === undefined) return undefined;
  const match = header.match(/^Bearer\s+(\S+)$/i);
  if (!match?.[1]) throw problems.unauthorized();
  const result = verifyToken(secret, match[1]);
  if (typeof result === 'string') throw problems.unauthorized(result);
  return result;
}

/** Middleware: requires a valid token whose role is one of `allowed`. */
export function requireRole(secret: string, ...allowed: Role[]) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const principal = authenticate(req, secret);
    if (!principal) return next(problems.unauthorized());
    if (!allowed.includes(principal.role)) return next(problems.forbidden(`role ${principal.role} may not do this; needs ${allowed.join(' or ')}`));
    req.principal = principal;
    next();
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
