import { inputOf, principalOf, problems, requireRole, type Principal, type Tx, type WriteResult } from '@ticketing/platform';
import { recordChange, registerChangesRoute, type CatalogChangeType } from '../changes/audit.js';
import { mayManage, ownerOf, type RouteDeps } from '../deps.js';
import { checkVenueInput, expandAddedRows, expandSeatMap, MAX_SEATS_PER_VENUE, type SeatRowsInput, type VenueInput } from './input.js';
import { decodeCursor } from '../keyset-page.js';
import {
  closedSectionsOf,
  closeSeats,
  findSectionGeometry,
  findVenueRow,
  foreignSectionsOf,
  markSectionsClosed,
  openSectionsOf,
  openSeatsAt,
  reopenSections,
  insertSeatMap,
  insertSeats,
  insertVenue,
  listVenuesOf,
  loadPartnerVenues,
  loadSeats,
  loadVenue,
  seatMapExtent,
  retireInBooking,
  venueHasSection,
} from './queries.js';

/** 400 when a change would leave a venue with more open seats than MAX_SEATS_PER_VENUE. */
function checkSeatLimit(total: number, field: string): void {
  if (total > MAX_SEATS_PER_VENUE) throw problems.validation([{ field, message: `would give the venue ${total} seats; at most ${MAX_SEATS_PER_VENUE}` }]);
}

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

  /** Locks a venue `principal` may manage for a seat-map change (404 / 403 otherwise). */
  async function lockManagedVenue(tx: Tx, principal: Principal, venueId: string) {
    const { rows } = await tx.query<{ owner_id: string }>('SELECT owner_id FROM catalog.venues WHERE id = $1 FOR UPDATE', [venueId]);
    const venue = rows[0];
    if (!venue) throw problems.notFound(`venue ${venueId}`);
    if (!mayManage(principal, venue.owner_id)) throw problems.forbidden(`venue ${venueId} belongs to another organization`);
    return venue;
  }

  /**
   * A change of a venue's seat map at POST `path`: one idempotent write under
   * the venue's row lock (which serializes seat-map changes), `record`
   * auditing and publishing it in the same transaction; the change relay is
   * woken after the commit.
   */
  function seatMapChange<Body>(
    path: string,
    work: (
      tx: Tx,
      change: { venueId: string; params: Record<string, string>; body: Body; record(type: CatalogChangeType, data: Record<string, unknown>): Promise<void> },
    ) => Promise<WriteResult>,
  ): void {
    api.operation('post', path, partner, async (req, res) => {
      const principal = principalOf(req);
      const { params, body } = inputOf(req);
      const venueId = (params as { venueId: string }).venueId;
      await writer.run(req, res, principal.sub, async (tx) => {
        const venue = await lockManagedVenue(tx, principal, venueId);
        const record = (type: CatalogChangeType, data: Record<string, unknown>) =>
          recordChange(tx, { actor: principal.sub, ownerId: venue.owner_id, entity: 'venue', entityId: venueId, type, data });
        return work(tx, { venueId, params: params as Record<string, string>, body: body as Body, record });
      });
      notifyChanges();
    });
  }

  /** 400 when any of `sectionIds` is no section of the venue. */
  async function refuseForeignSections(tx: Tx, venueId: string, sectionIds: string[]): Promise<void> {
    const foreign = await foreignSectionsOf(tx, venueId, sectionIds);
    if (foreign.length > 0) {
      throw problems.validation(foreign.map((id) => ({ field: `body.sectionIds.${sectionIds.indexOf(id)}`, message: `${id} is not a section of this venue` })));
    }
  }

  seatMapChange<{ sections: VenueInput['sections'] }>('/venues/{venueId}/sections', async (tx, { venueId, body: { sections }, record }) => {
    const extent = await seatMapExtent(tx, venueId);
    const taken = sections.flatMap((section, i) =>
      extent.names.has(section.name) ? [{ field: `body.sections.${i}.name`, message: 'is the name of an existing section' }] : [],
    );
    if (taken.length > 0) throw problems.validation(taken);
    const map = expandSeatMap(sections);
    checkSeatLimit(extent.seats + map.seats.length, 'body.sections');
    // Below the existing map, after its sections.
    map.sections.forEach((section) => (section.position += extent.nextPosition));
    map.seats.forEach((seat) => (seat.y += extent.nextY));
    await insertSeatMap(tx, venueId, map);
    await record('venue.sections_added', { sectionIds: map.sections.map((x) => x.id) });
    return { status: 200, body: await loadVenue(tx, venueId) };
  });

  seatMapChange<SeatRowsInput>('/venues/{venueId}/sections/{sectionId}/seats', async (tx, { venueId, params, body: input, record }) => {
    const sectionId = params['sectionId']!;
    const section = await findSectionGeometry(tx, venueId, sectionId);
    if (!section) throw problems.notFound(`section ${sectionId} of venue ${venueId}`);
    if (section.closed) throw problems.conflict('section-closed', 'Section is closed', `section ${sectionId} is closed; reopen it or add a section instead`);
    if (section.kind !== 'seated') {
      throw problems.conflict('section-not-seated', 'Section has no seats', `section ${sectionId} is general admission: it has a capacity, not seats`);
    }
    const { seats: open } = await seatMapExtent(tx, venueId);
    checkSeatLimit(open + input.rows.reduce((sum, row) => sum + row.seats, 0), 'body.rows');
    const seats = expandAddedRows(sectionId, section, input);
    // The venue row lock serializes seat-map changes, so this check cannot race another add.
    const taken = await openSeatsAt(tx, sectionId, seats);
    if (taken.length > 0) {
      throw problems.conflict(
        'seats-exist',
        'Seats exist already',
        `section ${sectionId} has these seats already: ${taken.map((seat) => `${seat.row} ${seat.number}`).join(', ')}`,
        { seats: taken.map(({ id, row, number }) => ({ id, row, number })) },
      );
    }
    await insertSeats(tx, venueId, seats, { reopenClosed: true });
    const added = await openSeatsAt(tx, sectionId, seats);
    await record('venue.seats_added', { sectionId, seatIds: added.map((seat) => seat.id) });
    return { status: 200, body: { venueId, sectionId, seats: added } };
  });

  seatMapChange<{ seatIds: string[] }>('/venues/{venueId}/seats/close', async (tx, { venueId, body: { seatIds }, record }) => {
    const { seatsInUse: inUse } = await retireInBooking(tx, venueId, { seatIds, gaSectionIds: [] });
    if (inUse.length > 0) {
      throw problems.conflict('seats-in-use', 'Seats are held or sold', `seats held or sold for an event cannot be closed: ${inUse.join(', ')}`, {
        seatIds: inUse,
      });
    }
    const closed = await closeSeats(tx, venueId, seatIds);
    if (closed.length > 0) await record('venue.seats_closed', { seatIds: closed });
    return { status: 200, body: { venueId, closed } };
  });

  seatMapChange<{ sectionIds: string[] }>('/venues/{venueId}/sections/close', async (tx, { venueId, body: { sectionIds }, record }) => {
    await refuseForeignSections(tx, venueId, sectionIds);
    const open = await openSectionsOf(tx, venueId, sectionIds);
    const seatIds = open.flatMap((section) => section.seatIds);
    // Booking decides, under its row locks and in this transaction, for both kinds at once: all close or none.
    const { seatsInUse, sectionsInUse } = await retireInBooking(tx, venueId, {
      seatIds,
      gaSectionIds: open.filter((section) => section.kind === 'general_admission').map((section) => section.id),
    });
    const inUse = open
      .filter((section) => sectionsInUse.includes(section.id) || section.seatIds.some((id) => seatsInUse.includes(id)))
      .map((section) => section.id);
    if (inUse.length > 0) {
      throw problems.conflict(
        'sections-in-use',
        'Sections are held or sold',
        `sections with places held or sold for an event cannot be closed: ${inUse.join(', ')}`,
        {
          sectionIds: inUse,
          seatIds: seatsInUse,
        },
      );
    }
    const closed = open.map((section) => section.id);
    if (closed.length > 0) {
      await closeSeats(tx, venueId, seatIds);
      await markSectionsClosed(tx, closed);
      await record('venue.sections_closed', { sectionIds: closed, seatIds });
    }
    return { status: 200, body: { venueId, closed } };
  });

  seatMapChange<{ sectionIds: string[] }>('/venues/{venueId}/sections/reopen', async (tx, { venueId, body: { sectionIds }, record }) => {
    await refuseForeignSections(tx, venueId, sectionIds);
    const closed = await closedSectionsOf(tx, venueId, sectionIds);
    const { seats } = await seatMapExtent(tx, venueId);
    checkSeatLimit(seats + closed.reduce((sum, section) => sum + section.seatIds.length, 0), 'body.sectionIds');
    if (closed.length > 0) {
      await reopenSections(tx, closed);
      await record('venue.sections_reopened', { sectionIds: closed.map((section) => section.id), seatIds: closed.flatMap((section) => section.seatIds) });
    }
    return { status: 200, body: { venueId, reopened: closed.map((section) => section.id) } };
  });

  registerChangesRoute(api, pool, '/venues/{venueId}/changes', partner, async (db, id) => (await findVenueRow(db, id))?.owner_id);

  api.operation('get', '/partner/venues', partner, async (req, res) => {
    const { cursor, limit } = inputOf(req).query as { cursor?: string; limit: number };
    res.json(await listVenuesOf(pool, ownerOf(principalOf(req)), { after: decodeCursor(cursor), limit }));
  });

  api.operation('get', '/partner/venues/{venueId}', partner, async (req, res) => {
    const { venueId } = inputOf(req).params as { venueId: string };
    const row = await findVenueRow(pool, venueId);
    // Another organization's venue answers as one that does not exist: its existence is not theirs to learn.
    if (!row || !mayManage(principalOf(req), row.owner_id)) throw problems.notFound(`venue ${venueId} among yours`);
    res.json((await loadPartnerVenues(pool, [row]))[0]);
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
