import { authenticate, inputOf, principalOf, problems, requireRole, type Principal } from '@ticketing/platform';
import { recordChange, registerChangesRoute } from '../changes/audit.js';
import { mayManage, ownerOf, type RouteDeps } from '../deps.js';
import { decodeCursor } from '../keyset-page.js';
import { categoriesOfVenue, findVenueRow } from '../venues/queries.js';
import {
  checkChangeable,
  checkPriceTiers,
  checkSalesOpenAt,
  checkStartsAhead,
  checkStatusChange,
  checkTimes,
  sellingStatuses,
  type EventInput,
  type EventPatch,
  type PriceTier,
} from './input.js';
import {
  findEventRow,
  findVisibleEvent,
  insertEvent,
  listEventsOf,
  loadSeatMap,
  lockEvent,
  toEvent,
  updateEvent,
  upsertPriceTier,
  type LockedEvent,
} from './queries.js';

/** The audit entries (and catalog messages) a patch of `current` makes. */
function changesOfPatch(current: LockedEvent, patch: EventPatch) {
  const out: { type: 'event.updated' | 'event.time_changed' | 'event.status_changed'; data: Record<string, unknown> }[] = [];
  const fields = Object.fromEntries(
    (['title', 'description'] as const).filter((f) => patch[f] !== undefined && patch[f] !== current[f]).map((f) => [f, { from: current[f], to: patch[f] }]),
  );
  if (Object.keys(fields).length > 0) out.push({ type: 'event.updated', data: { fields } });
  const startsAt = patch.startsAt ? new Date(patch.startsAt) : current.starts_at;
  const endsAt = patch.endsAt ? new Date(patch.endsAt) : current.ends_at;
  if (startsAt.getTime() !== current.starts_at.getTime() || endsAt.getTime() !== current.ends_at.getTime()) {
    out.push({
      type: 'event.time_changed',
      data: {
        previousStartsAt: current.starts_at.toISOString(),
        previousEndsAt: current.ends_at.toISOString(),
        startsAt: startsAt.toISOString(),
        endsAt: endsAt.toISOString(),
      },
    });
  }
  if (patch.status !== undefined && patch.status !== current.status) {
    out.push({
      type: 'event.status_changed',
      data: { from: current.status, to: patch.status, ...(patch.salesOpenAt ? { salesOpenAt: patch.salesOpenAt } : {}) },
    });
  }
  return out;
}

export function registerEventRoutes({ api, pool, writer, verifier, notifyChanges }: RouteDeps): void {
  const partner = requireRole(verifier, 'partner', 'admin');

  /** Locks an event `principal` may manage (404 / 403 otherwise). */
  async function lockManaged(tx: Parameters<typeof lockEvent>[0], principal: Principal, eventId: string): Promise<LockedEvent> {
    const current = await lockEvent(tx, eventId);
    if (!current) throw problems.notFound(`event ${eventId}`);
    if (!mayManage(principal, current.owner_id)) throw problems.forbidden(`event ${eventId} belongs to another organization`);
    return current;
  }

  api.operation('post', '/events', partner, async (req, res) => {
    const principal = principalOf(req);
    const input = inputOf(req).body as EventInput;
    await writer.run(req, res, principal.sub, async (tx) => {
      const venue = await findVenueRow(tx, input.venueId);
      if (!venue) throw problems.unprocessable('unknown-venue', 'Unknown venue', `venue ${input.venueId} does not exist`);
      if (!mayManage(principal, venue.owner_id)) throw problems.forbidden(`venue ${input.venueId} belongs to another organization`);
      const startsAt = new Date(input.startsAt);
      checkTimes(startsAt, new Date(input.endsAt));
      checkStartsAhead(startsAt);
      checkSalesOpenAt(input.status ?? 'on_sale', input.salesOpenAt ? new Date(input.salesOpenAt) : undefined, startsAt);
      checkPriceTiers(input.priceTiers, await categoriesOfVenue(tx, venue.id));
      const eventId = await insertEvent(tx, venue, input);
      const event = toEvent((await findEventRow(tx, eventId))!);
      await recordChange(tx, { actor: principal.sub, ownerId: venue.owner_id, entity: 'event', entityId: eventId, type: 'event.created', data: { event } });
      return { status: 201, body: event, headers: { Location: `/events/${eventId}` } };
    });
    notifyChanges();
  });

  api.operation('get', '/partner/events', partner, async (req, res) => {
    const { venueId, endsAfter, cursor, limit } = inputOf(req).query as { venueId?: string; endsAfter?: string; cursor?: string; limit: number };
    res.json(await listEventsOf(pool, ownerOf(principalOf(req)), { venueId, endsAfter, after: decodeCursor(cursor), limit }));
  });

  api.operation('get', '/events/{eventId}', async (req, res) => {
    const { eventId } = inputOf(req).params as { eventId: string };
    res.json(toEvent(await findVisibleEvent(pool, eventId, await authenticate(req, verifier))));
  });

  api.operation('patch', '/events/{eventId}', partner, async (req, res) => {
    const principal = principalOf(req);
    const { params, body } = inputOf(req);
    const { eventId } = params as { eventId: string };
    const patch = body as EventPatch;
    await writer.run(req, res, principal.sub, async (tx) => {
      const current = await lockManaged(tx, principal, eventId);
      checkStatusChange(eventId, current.status, patch);
      const startsAt = patch.startsAt ? new Date(patch.startsAt) : current.starts_at;
      checkTimes(startsAt, patch.endsAt ? new Date(patch.endsAt) : current.ends_at);
      if (patch.startsAt) checkStartsAhead(startsAt);
      const status = patch.status ?? current.status;
      // Never on sale (or scheduled to be) for an event that has begun.
      if (patch.status !== undefined && patch.status !== current.status && sellingStatuses.includes(patch.status)) checkStartsAhead(startsAt);
      if (patch.salesOpenAt !== undefined && status !== 'scheduled') {
        throw problems.validation([{ field: 'body.salesOpenAt', message: 'applies only to a scheduled event' }]);
      }
      if (patch.salesOpenAt !== undefined || (patch.status === 'scheduled' && current.status !== 'scheduled')) {
        checkSalesOpenAt(status, patch.salesOpenAt ? new Date(patch.salesOpenAt) : undefined, startsAt);
      }
      await updateEvent(tx, eventId, patch);
      for (const change of changesOfPatch(current, patch)) {
        await recordChange(tx, { actor: principal.sub, ownerId: current.owner_id, entity: 'event', entityId: eventId, ...change });
      }
      return { status: 200, body: toEvent((await findEventRow(tx, eventId))!) };
    });
    notifyChanges();
  });

  api.operation('put', '/events/{eventId}/price-tiers/{category}', partner, async (req, res) => {
    const principal = principalOf(req);
    const { params, body } = inputOf(req);
    const { eventId, category } = params as { eventId: string; category: string };
    const { priceCents, currency } = body as Omit<PriceTier, 'category'>;
    await writer.run(req, res, principal.sub, async (tx) => {
      const current = await lockManaged(tx, principal, eventId);
      checkChangeable(eventId, current.status);
      const tiers = (await findEventRow(tx, eventId))!.price_tiers;
      const existing = tiers.find((t) => t.category === category);
      const others = tiers.filter((t) => t.category !== category);
      if (!(await categoriesOfVenue(tx, current.venue_id)).has(category)) {
        throw problems.unprocessable('unknown-category', 'Price tier for an unused category', `the venue has no seats or places in category ${category}`, {
          categories: [category],
        });
      }
      // One currency for all tiers; categories added to the venue later may still be unpriced.
      checkPriceTiers([...others, { category, priceCents, currency }], new Set([...others.map((t) => t.category), category]));
      await upsertPriceTier(tx, eventId, { category, priceCents, currency });
      await recordChange(tx, {
        actor: principal.sub,
        ownerId: current.owner_id,
        entity: 'event',
        entityId: eventId,
        ...(existing
          ? { type: 'event.tier_repriced', data: { category, currency, previousPriceCents: existing.priceCents, priceCents } }
          : { type: 'event.tier_added', data: { category, currency, priceCents } }),
      });
      return { status: 200, body: toEvent((await findEventRow(tx, eventId))!) };
    });
    notifyChanges();
  });

  registerChangesRoute(api, pool, '/events/{eventId}/changes', partner, async (db, id) => (await findEventRow(db, id))?.owner_id);

  api.operation('get', '/events/{eventId}/seat-map', async (req, res) => {
    const { params, query } = inputOf(req);
    const { eventId } = params as { eventId: string };
    const { sectionId } = query as { sectionId?: string };
    const event = await findVisibleEvent(pool, eventId, await authenticate(req, verifier));
    res.json(await loadSeatMap(pool, event, sectionId));
  });
}
