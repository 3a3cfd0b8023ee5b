import { authenticate, inputOf, principalOf, problems, requireRole } from '@ticketing/platform';
import { mayManage, ownerOf, type RouteDeps } from '../deps.js';
import { PARTNER_LIST_MAX } from '../openapi.js';
import { categoriesOfVenue, findVenueRow } from '../venues/queries.js';
import { checkPriceTiers, checkStartsAhead, checkStatusChange, checkTimes, type EventInput, type EventPatch } from './input.js';
import { findEventRow, findVisibleEvent, insertEvent, listEventsOf, loadSeatMap, lockEvent, toEvent, updateEvent } from './queries.js';

export function registerEventRoutes({ api, pool, writer, verifier }: RouteDeps): void {
  const partner = requireRole(verifier, 'partner', 'admin');

  api.operation('post', '/events', partner, async (req, res) => {
    const principal = principalOf(req);
    const input = inputOf(req).body as EventInput;
    await writer.run(req, res, principal.sub, async (tx) => {
      const venue = await findVenueRow(tx, input.venueId);
      if (!venue) throw problems.unprocessable('unknown-venue', 'Unknown venue', `venue ${input.venueId} does not exist`);
      if (!mayManage(principal, venue.owner_id)) throw problems.forbidden(`venue ${input.venueId} belongs to another organization`);
      checkTimes(new Date(input.startsAt), new Date(input.endsAt));
      checkStartsAhead(new Date(input.startsAt));
      checkPriceTiers(input.priceTiers, await categoriesOfVenue(tx, venue.id));
      const eventId = await insertEvent(tx, venue, input);
      return { status: 201, body: toEvent((await findEventRow(tx, eventId))!), headers: { Location: `/events/${eventId}` } };
    });
  });

  api.operation('get', '/partner/events', partner, async (req, res) => {
    res.json({ items: await listEventsOf(pool, ownerOf(principalOf(req)), PARTNER_LIST_MAX) });
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
      const current = await lockEvent(tx, eventId);
      if (!current) throw problems.notFound(`event ${eventId}`);
      if (!mayManage(principal, current.owner_id)) throw problems.forbidden(`event ${eventId} belongs to another organization`);
      checkStatusChange(eventId, current.status, patch);
      checkTimes(patch.startsAt ? new Date(patch.startsAt) : current.starts_at, patch.endsAt ? new Date(patch.endsAt) : current.ends_at);
      if (patch.startsAt) checkStartsAhead(new Date(patch.startsAt));
      await updateEvent(tx, eventId, patch);
      return { status: 200, body: toEvent((await findEventRow(tx, eventId))!) };
    });
  });

  api.operation('get', '/events/{eventId}/seat-map', async (req, res) => {
    const { params, query } = inputOf(req);
    const { eventId } = params as { eventId: string };
    const { sectionId } = query as { sectionId?: string };
    const event = await findVisibleEvent(pool, eventId, await authenticate(req, verifier));
    res.json(await loadSeatMap(pool, event, sectionId));
  });
}
