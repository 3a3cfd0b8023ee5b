import type { Api, IdempotentWriter, Pool, Principal, TokenVerifier } from '@ticketing/platform';

/** What the route modules need from the service context. */
export interface RouteDeps {
  api: Api;
  pool: Pool;
  writer: IdempotentWriter;
  verifier: TokenVerifier;
  /** Wakes the catalog-changes relay after a write committed changes. */
  notifyChanges(): void;
}

/** Who owns what `principal` creates: a partner's organization; an admin's own id. */
export function ownerOf(principal: Principal): string {
  return principal.role === 'partner' && principal.org ? principal.org : principal.sub;
}

/** Whether `principal` may manage something owned by `ownerId`: admins anything, partners their organization's. */
export function mayManage(principal: Principal | undefined, ownerId: string): boolean {
  return principal !== undefined && (principal.role === 'admin' || (principal.role === 'partner' && principal.org === ownerId));
}
