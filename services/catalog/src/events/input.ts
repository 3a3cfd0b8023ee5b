import { problems } from '@ticketing/platform';

/** Shapes of the OpenAPI input schemas, and the checks the schemas cannot express. */

export type EventStatus = 'draft' | 'on_sale' | 'cancelled';

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
  status?: 'draft' | 'on_sale';
}
export interface EventPatch {
  title?: string;
  description?: string;
  startsAt?: string;
  endsAt?: string;
  status?: EventStatus;
}

/** Allowed status changes (staying in the same status is always allowed). */
const transitions: Record<EventStatus, readonly EventStatus[]> = {
  draft: ['on_sale', 'cancelled'],
  // Not back to draft: buyers may already hold or own seats.
  on_sale: ['cancelled'],
  cancelled: [],
};

/** Whether `patch` may be applied to an event in `status` (409 otherwise). */
export function checkStatusChange(eventId: string, status: EventStatus, patch: EventPatch): void {
  if (status === 'cancelled') {
    const onlyCancel = Object.keys(patch).length === 1 && patch.status === 'cancelled';
    if (!onlyCancel) throw problems.conflict('event-cancelled', 'Event is cancelled', `event ${eventId} is cancelled and cannot be changed`);
  } else if (patch.status !== undefined && patch.status !== status && !transitions[status].includes(patch.status)) {
    throw problems.conflict('invalid-status-transition', 'Status change not allowed', `an event cannot go from ${status} to ${patch.status}`, {
      from: status,
      to: patch.status,
    });
  }
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
