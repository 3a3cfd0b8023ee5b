import { inputOf, principalOf, problems, requireRole } from '@ticketing/platform';
import { ownerOf, type RouteDeps } from '../deps.js';
import { checkVenueInput, type VenueInput } from './input.js';
import { PARTNER_LIST_MAX } from '../openapi.js';
import { findVenueRow, insertVenue, listVenuesOf, loadSeats, loadVenue, venueHasSection } from './queries.js';

export function registerVenueRoutes({ api, pool, writer, verifier }: RouteDeps): void {
  api.operation('post', '/venues', requireRole(verifier, 'partner', 'admin'), async (req, res) => {
    const principal = principalOf(req);
    const input = inputOf(req).body as VenueInput;
    await writer.run(req, res, principal.sub, async (tx) => {
      const map = checkVenueInput(input);
      const venueId = await insertVenue(tx, ownerOf(principal), input, map);
      return { status: 201, body: await loadVenue(tx, venueId), headers: { Location: `/venues/${venueId}` } };
    });
  });

  api.operation('get', '/partner/venues', requireRole(verifier, 'partner', 'admin'), async (req, res) => {
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
