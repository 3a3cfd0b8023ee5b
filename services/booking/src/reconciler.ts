import { abandonedAfterSeconds, resolvePendingPayment, type CheckoutDeps } from './checkout.js';

/**
 * Resolves pending payments whose checkout was abandoned (process died, or
 * its settle transaction failed) by asking the provider; run by the sweeper.
 * settlePayment takes the usual locks and is idempotent, so replicas and a
 * concurrent webhook or retry may race here harmlessly. Returns how many it settled.
 */
export async function reconcilePayments(deps: CheckoutDeps, limit = 100, stopped: () => boolean = () => false): Promise<number> {
  const { rows } = await deps.pool.query<{ id: string }>(
    `SELECT id FROM booking.payments WHERE status = 'pending' AND updated_at <= now() - make_interval(secs => $1) ORDER BY updated_at LIMIT $2`,
    [abandonedAfterSeconds(deps), limit],
  );
  let settled = 0;
  for (const { id } of rows) {
    if (stopped()) break;
    if ((await resolvePendingPayment(deps, id)).kind !== 'pending') settled++;
  }
  return settled;
}
