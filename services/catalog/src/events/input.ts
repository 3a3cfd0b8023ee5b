import { problems } from '@ticketing/platform';

/** Shapes of the OpenAPI input schemas, and the checks the schemas cannot express. */

/**
 * The lifecycle: draft → on_sale (now) or scheduled (on sale at
 * salesOpenAt) → sales_closed (at the start) → happened (at the end); on sale
 * may be paused and resumed; anything before happened may be cancelled. The
 * clock moves scheduled, on sale and closed events on (lifecycle.ts).
 */
export const eventStatuses = ['draft', 'scheduled', 'on_sale', 'paused', 'sales_closed', 'happened', 'cancelled'] as const;
export type EventStatus = (typeof eventStatuses)[number];
/** Statuses buyers see in search (drafts never). */
export const publicStatuses = eventStatuses.filter((s) => s !== 'draft');

export interface PriceTier {
  category: string;
  priceCents: number;
  currency: string;
}
export interface EventInput {
  venueId: string;
  title: string;
  description?: string;
  startsAt: string;
  endsAt: string;
  priceTiers: PriceTier[];
  status?: 'draft' | 'scheduled' | 'on_sale';
  salesOpenAt?: string;
}
export interface EventPatch {
  title?: string;
  description?: string;
  startsAt?: string;
  endsAt?: string;
  status?: Exclude<EventStatus, 'happened'>;
  salesOpenAt?: string;
}

/** Allowed status changes (staying in the same status is always allowed). */
const transitions: Record<EventStatus, readonly EventStatus[]> = {
  draft: ['scheduled', 'on_sale', 'cancelled'],
  scheduled: ['draft', 'on_sale', 'cancelled'],
  // Not back to draft: buyers may already hold or own seats.
  on_sale: ['paused', 'sales_closed', 'cancelled'],
  paused: ['on_sale', 'sales_closed', 'cancelled'],
  sales_closed: ['cancelled'],
  // Only the clock ends an event; after that nothing changes.
  happened: [],
  cancelled: [],
};

/** Statuses in which buyers can (or will) buy: the start must lie ahead to enter them. */
export const sellingStatuses: readonly EventStatus[] = ['scheduled', 'on_sale'];

/** Whether `patch` may be applied to an event in `status` (409 otherwise). */
export function checkStatusChange(eventId: string, status: EventStatus, patch: EventPatch): void {
  const onlyCancel = Object.keys(patch).length === 1 && patch.status === 'cancelled';
  if (status === 'cancelled' && onlyCancel) return;
  checkChangeable(eventId, status);
  if (patch.status !== undefined && patch.status !== status && !transitions[status].includes(patch.status)) {
    throw problems.conflict('invalid-status-transition', 'Status change not allowed', `an event cannot go from ${status} to ${patch.status}`, {
      from: status,
      to: patch.status,
    });
  }
}

/** Events that have happened or are cancelled cannot change (409). */
export function checkChangeable(eventId: string, status: EventStatus): void {
  if (status === 'happened') throw problems.conflict('event-happened', 'Event has happened', `event ${eventId} has happened and cannot be changed`);
  if (status === 'cancelled') throw problems.conflict('event-cancelled', 'Event is cancelled', `event ${eventId} is cancelled and cannot be changed`);
}

/** Categories priced by the event's tiers must be exactly those the venue uses. */
export function checkPriceTiers(tiers: PriceTier[], used: ReadonlySet<string>): void {
  const seen = new Set<string>();
  const duplicates = tiers.map((t, i) => ({ t, i })).filter(({ t }) => seen.has(t.category) || !seen.add(t.category));
  if (duplicates.length > 0) {
    throw problems.validation(duplicates.map(({ i }) => ({ field: `body.priceTiers.${i}.category`, message: 'has another price tier already' })));
  }
  const currencies = [...new Set(tiers.map((t) => t.currency))];
  if (currencies.length > 1) {
    throw problems.unprocessable(
      'mixed-currencies',
      'Price tiers use several currencies',
      `all price tiers of an event must use one currency; got ${currencies.join(', ')}`,
    );
  }
  const missing = [...used].filter((c) => !seen.has(c)).sort();
  if (missing.length > 0) {
    throw problems.unprocessable(
      'missing-price-tier',
      'Categories without a price',
      `the venue has seats or places in categories without a price tier: ${missing.join(', ')}`,
      { categories: missing },
    );
  }
  const unknown = [...seen].filter((c) => !used.has(c)).sort();
  if (unknown.length > 0) {
    throw problems.unprocessable(
      'unknown-category',
      'Price tier for an unused category',
      `the venue has no seats or places in categories: ${unknown.join(', ')}`,
      { categories: unknown },
    );
  }
}

export function checkTimes(startsAt: Date, endsAt: Date): void {
  if (endsAt.getTime() <= startsAt.getTime()) throw problems.validation([{ field: 'body.endsAt', message: 'must be after startsAt' }]);
}

/** A new or moved start must lie ahead: an event in the past would go straight on sale. */
export function checkStartsAhead(startsAt: Date): void {
  if (startsAt.getTime() <= Date.now()) {
    throw problems.unprocessable('starts-in-past', 'Event starts in the past', `startsAt ${startsAt.toISOString()} has already passed`, {
      field: 'body.startsAt',
    });
  }
}

/**
 * Checks the sales opening of an event that is (or becomes) `status`: a
 * scheduled event opens at a future instant before its start.
 */
export function checkSalesOpenAt(status: EventStatus, salesOpenAt: Date | undefined, startsAt: Date): void {
  if (status !== 'scheduled') return;
  if (!salesOpenAt) throw problems.validation([{ field: 'body.salesOpenAt', message: 'is required for a scheduled event' }]);
  if (salesOpenAt.getTime() <= Date.now()) {
    throw problems.unprocessable('sales-open-in-past', 'Sales would open in the past', `salesOpenAt ${salesOpenAt.toISOString()} has already passed`, {
      field: 'body.salesOpenAt',
    });
  }
  if (salesOpenAt.getTime() >= startsAt.getTime()) throw problems.validation([{ field: 'body.salesOpenAt', message: 'must be before startsAt' }]);
}
