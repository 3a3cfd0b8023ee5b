import type { Request } from 'express';
import { problems, verifyToken, type Api, type IdempotentWriter, type Pool, type Principal } from '@ticketing/platform';

/** What the route modules need from the service context. */
export interface RouteDeps {
  api: Api;
  pool: Pool;
  writer: IdempotentWriter;
  authSecret: string;
}

/**
 * For public reads that show more to an owner (drafts): the principal when a
 * valid bearer token is sent, undefined without one, 401 for a bad one.
 */
export function optionalPrincipal(req: Request, secret: string): Principal | undefined {
  const header = req.get('authorization');
  if (header === undefined) return undefined;
  const match = header.match(/^Bearer\s+(\S+)$/i);
  if (!match?.[1]) throw problems.unauthorized();
  const result = verifyToken(secret, match[1]);
  if (typeof result === 'string') throw problems.unauthorized(result);
  return result;
}

/** Whether `principal` may manage something owned by `ownerId`. */
export function mayManage(principal: Principal | undefined, ownerId: string): boolean {
  return principal !== undefined && (principal.role === 'admin' || (principal.role === 'organizer' && principal.sub === ownerId));
}
