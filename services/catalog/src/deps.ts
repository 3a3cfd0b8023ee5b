import type { Api, IdempotentWriter, Pool, Principal } from '@ticketing/platform';

/** What the route modules need from the service context. */
export interface RouteDeps {
  api: Api;
  pool: Pool;
  writer: IdempotentWriter;
  authSecret: string;
}

/** Whether `principal` may manage something owned by `ownerId`. */
export function mayManage(principal: Principal | undefined, ownerId: string): boolean {
  return principal !== undefined && (principal.role === 'admin' || (principal.role === 'organizer' && principal.sub === ownerId));
}
