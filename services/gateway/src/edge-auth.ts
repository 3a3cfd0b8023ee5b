import type { Request } from 'express';
import { authenticate, type Principal } from '@ticketing/platform/auth';
import type { ServiceConfig } from '@ticketing/platform/config';

/**
 * Token verification at the edge. The services verify every token again
 * (defence in depth); the gateway checks it to turn away forged or expired
 * tokens early and to rate-limit per token subject. The only place the
 * gateway knows how tokens are verified: switching to the users service's
 * JWKS changes this module alone.
 */
export interface EdgeAuth {
  /** The caller, undefined without a token; throws a 401 problem for a bad one. */
  principal(req: Request): Principal | undefined;
}

export function createEdgeAuth(config: ServiceConfig): EdgeAuth {
  const secret = config.string('AUTH_TOKEN_SECRET');
  return { principal: (req) => authenticate(req, secret) };
}
