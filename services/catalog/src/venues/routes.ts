import { inputOf, principalOf, problems, requireRole } from '@ticketing/platform';
import { recordChange, registerChangesRoute } from '../changes/audit.js';
import { ownerOf, type RouteDeps } from '../deps.js';
import { checkVenueInput, type VenueInput } from './input.js';
import { PARTNER_LIST_MAX } from '../openapi.js';
import { findVenueRow, insertVenue, listVenuesOf, loadSeats, loadVenue, venueHasSection } from './queries.js';

export function registerVenueRoutes({ api, pool, writer, verifier, notifyChanges }: RouteDeps): void {
  const partner = requireRole(verifier, 'partner', 'admin');
  api.operation('post', '/venues', partner, async (req, res) => {
    const principal = principalOf(req);
    const input = inputOf(req).body as VenueInput;
    await writer.run(req, res, principal.sub, async (tx) => {
      const map = checkVenueInput(input);
      const venueId = await insertVenue(tx, ownerOf(principal), input, map);
      const venue = await loadVenue(tx, venueId);
      await recordChange(tx, { actor: principal.sub, ownerId: ownerOf(principal), entity: 'venue', entityId: venueId, type: 'venue.created', data: { venue } });
      return { status: 201, body: venue, headers: { Location: `/venues/${venueId}` } };
    });
    notifyChanges();
  });

  registerChangesRoute(api, pool, '/venues/{venueId}/changes', partner, async (db, id) => (await findVenueRow(db, id))?.owner_id);

  api.operation('get', '/partner/venues', partner, async (req, res) => {
    res.json({ items: await listVenuesOf(pool, ownerOf(principalOf(req)), PARTNER_LIST_MAX) });
  });

  api.operation('get', '/venues/{venueId}', async (req, res) => {
    const { venueId } = inputOf(req).params as { venueId: string };
    const venue = await loadVenue(pool, venueId);
    if (!venue) throw problems.notFound(`venue ${venueId}`);
    res.json(venue);
  });

  api.operation('get', '/venues/{venueId}/seats', async (req, res) => {
    const { params, query } = inputOf(req);
    const { venueId } = params as { venueId: string };
    const { sectionId } = query as { sectionId?: string };
    const venue = await findVenueRow(pool, venueId);
    if (!venue) throw problems.notFound(`venue ${venueId}`);
    if (sectionId !== undefined && !(await venueHasSection(pool, venueId, sectionId))) throw problems.notFound(`section ${sectionId} of venue ${venueId}`);
    res.json({ venueId, seats: await loadSeats(pool, venueId, sectionId) });
  });
}
