import type { Request } from 'express';
import { authenticate, tokenVerifierFrom, type Principal } from '@ticketing/platform/auth';
import type { ServiceConfig } from '@ticketing/platform/config';

/**
 * Token verification at the edge. The services verify every token again
 * (defence in depth); the gateway checks it to turn away forged or expired
 * tokens early and to rate-limit per token subject, against the users
 * service's published keys like every service. The only place the gateway
 * knows how tokens are verified.
 */
export interface EdgeAuth {
  /** The caller, undefined without a token; rejects with a 401 problem for a bad one. */
  principal(req: Request): Promise<Principal | undefined>;
}

export function createEdgeAuth(config: ServiceConfig): EdgeAuth {
  const verifier = tokenVerifierFrom(config);
  return { principal: (req) => authenticate(req, verifier) };
}
