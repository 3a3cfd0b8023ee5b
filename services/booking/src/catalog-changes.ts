import { withTransaction, type Pool, type Tx } from '@ticketing/platform';
import { catalogQueries } from './catalog-reader.js';
import { insertGaSections, shareVenueCopyLock, takeVenueCopyLock } from './inventory.js';
import type { Outbox } from './messages.js';

/**
 * What booking does with the catalog's messages (topic catalog-changes,
 * format in docs/events.md), each once (catalog_changes_applied):
 *   events.imported      inventory for the new published events, in bulk
 *   event.tier_repriced  new holds pay the new price; holds and bookings keep theirs
 *   event.time_changed   one event.time_changed on ticket-bookings per confirmed booking
 *   venue.sections_added, venue.seats_added   inventory rows for the new seats and places,
 *                        for every event of the venue that has inventory and prices them
 *   event.tier_added     inventory rows for the seats and places now priced
 *   venue.seats_closed   closed seats leave the inventory of every event: booking removed
 *                        them already when the catalog closed them (retire_places,
 *                        migrations/004); this catches rows copied from the catalog
 *                        while that close committed
 *   venue.sections_closed  the same for closed sections: their seats, and GA counters
 *                        nobody holds places of (retire_places did it at the close)
 *   venue.sections_reopened  as venue.sections_added: their places are on sale again
 * Inventory rows are touched only in their price (never their status) and
 * only for seats nobody holds or bought, so the hold and checkout paths
 * (inventory.ts) keep their invariants.
 */

export interface CatalogMessage {
  id: string;
  type: string;
  entityId: string;
  data: Record<string, unknown>;
}

/** Events per statement when inventory is created in bulk: a large venue's seats times this stays well under the statement timeout. */
const eventsPerStatement = 10;
/** Inventory rows one statement writes at most when seats are added: a large venue (20,000 seats) times eventsPerStatement. */
const rowsPerStatement = 200_000;

/** Runs `write` for consecutive slices of `ids` of `size`. */
async function inBatches(ids: readonly string[], size: number, write: (batch: readonly string[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < ids.length; i += size) await write(ids.slice(i, i + size));
}

/**
 * Copies the seat maps of published events into inventory, a few events per
 * statement instead of a round trip per event or seat: the bulk form of
 * ensureInventory, which still covers any event this misses (drafts
 * published later).
 */
export async function createInventoryInBulk(tx: Tx, eventIds: readonly string[]): Promise<number> {
  const created = await tx.query<{ event_id: string }>(
    `INSERT INTO booking.event_inventory (event_id, venue_id)
     SELECT event_id, venue_id FROM (${catalogQueries.publishedEvents}) e
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    [eventIds],
  );
  const ids = created.rows.map((r) => r.event_id);
  await inBatches(ids, eventsPerStatement, (batch) => addMissingInventory(tx, batch));
  return ids.length;
}

/** Venues of events that have inventory. */
async function venuesOf(tx: Tx, eventIds: readonly string[]): Promise<string[]> {
  const { rows } = await tx.query<{ venue_id: string }>('SELECT DISTINCT venue_id FROM booking.event_inventory WHERE event_id = ANY($1::uuid[])', [eventIds]);
  return rows.map((r) => r.venue_id);
}

/** Adds the inventory rows events that already have inventory are missing (new sections, newly priced categories). */
async function addMissingInventory(tx: Tx, eventIds: readonly string[]): Promise<void> {
  await shareVenueCopyLock(tx, await venuesOf(tx, eventIds));
  await tx.query(
    `INSERT INTO booking.seat_inventory (event_id, seat_id, section_id, category, price_cents, currency)
     SELECT event_id, seat_id, section_id, category, price_cents, currency FROM (${catalogQueries.pricedSeatsOfEvents}) seats
     ON CONFLICT (event_id, seat_id) DO NOTHING`,
    [eventIds],
  );
  await tx.query(insertGaSections(catalogQueries.pricedGaSectionsOfEvents), [eventIds]);
}

/** Events of a venue whose inventory exists already. */
async function eventsWithInventory(tx: Tx, venueId: string): Promise<string[]> {
  const { rows } = await tx.query<{ event_id: string }>('SELECT event_id FROM booking.event_inventory WHERE venue_id = $1 ORDER BY event_id', [venueId]);
  return rows.map((r) => r.event_id);
}

/**
 * Places the catalog added to a venue after publishing go into the inventory
 * of every event of the venue that has one, priced by each event's tier for
 * their category (an event without that tier gets them with it, tier_added):
 * the seats `seatIds`, or without them every seat and GA counter the events
 * lack (new sections); one statement per batch of events. Under the venue's
 * copy lock held exclusively, so a first buyer's or an import's copy racing
 * this neither loses nor doubles them (takeVenueCopyLock).
 */
async function addPlacesToVenueInventory(tx: Tx, venueId: string, seatIds?: readonly string[]): Promise<void> {
  await takeVenueCopyLock(tx, venueId);
  const events = await eventsWithInventory(tx, venueId);
  if (seatIds === undefined) return inBatches(events, eventsPerStatement, (batch) => addMissingInventory(tx, batch));
  if (seatIds.length === 0) return;
  await inBatches(events, Math.max(1, Math.floor(rowsPerStatement / seatIds.length)), (batch) =>
    tx.query(
      `INSERT INTO booking.seat_inventory (event_id, seat_id, section_id, category, price_cents, currency)
       SELECT event_id, seat_id, section_id, category, price_cents, currency FROM (${catalogQueries.pricedSeatsOfEvents}) seats
        WHERE seat_id = ANY($2::uuid[])
       ON CONFLICT (event_id, seat_id) DO NOTHING`,
      [batch, seatIds],
    ),
  );
}

/**
 * New price for a category's unsold, unheld seats and GA places (held and sold ones keep the price they were taken at).
 * Rows are locked in the order holds and checkouts lock them (seats by id, then GA slices by section and slice),
 * so a reprice during an onsale waits for a hold instead of deadlocking with it.
 */
async function reprice(tx: Tx, eventId: string, category: string, priceCents: number): Promise<void> {
  await tx.query(
    `UPDATE booking.seat_inventory si SET price_cents = $3
       FROM (SELECT seat_id FROM booking.seat_inventory WHERE event_id = $1 AND category = $2 AND status = 'available' ORDER BY seat_id FOR UPDATE) locked
      WHERE si.event_id = $1 AND si.seat_id = locked.seat_id AND si.status = 'available'`,
    [eventId, category, priceCents],
  );
  await tx.query(
    `UPDATE booking.ga_inventory g SET price_cents = $3
       FROM (SELECT section_id, slice FROM booking.ga_inventory WHERE event_id = $1 AND category = $2 ORDER BY section_id, slice FOR UPDATE) locked
      WHERE g.event_id = $1 AND g.section_id = locked.section_id AND g.slice = locked.slice`,
    [eventId, category, priceCents],
  );
}

async function tellBuyersOfTimeChange(tx: Tx, outbox: Outbox, eventId: string, data: Record<string, unknown>): Promise<void> {
  const bookings = await tx.query<{ id: string; reference: string; buyer_id: string }>(
    `SELECT id, reference, buyer_id FROM booking.bookings WHERE event_id = $1 AND status = 'confirmed' ORDER BY id`,
    [eventId],
  );
  for (const b of bookings.rows) {
    await outbox.enqueue(tx, 'event.time_changed', eventId, {
      bookingId: b.id,
      bookingReference: b.reference,
      buyerId: b.buyer_id,
      previousStartsAt: String(data['previousStartsAt']),
      previousEndsAt: String(data['previousEndsAt']),
      startsAt: String(data['startsAt']),
      endsAt: String(data['endsAt']),
    });
  }
}

/** Applies one catalog message (once: a redelivered message changes nothing). Returns whether it was new. */
export async function applyCatalogChange(pool: Pool, outbox: Outbox, message: CatalogMessage): Promise<boolean> {
  return withTransaction(pool, async (tx) => {
    const first = await tx.query('INSERT INTO booking.catalog_changes_applied (message_id, type) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      message.id,
      message.type,
    ]);
    if (first.rowCount === 0) return false;
    const { data } = message;
    switch (message.type) {
      case 'events.imported':
        await createInventoryInBulk(tx, data['eventIds'] as string[]);
        break;
      case 'event.tier_repriced':
        await reprice(tx, message.entityId, String(data['category']), Number(data['priceCents']));
        break;
      case 'venue.sections_added':
      case 'venue.sections_reopened':
        await addPlacesToVenueInventory(tx, message.entityId);
        break;
      case 'venue.seats_added':
        await addPlacesToVenueInventory(tx, message.entityId, data['seatIds'] as string[]);
        break;
      case 'event.tier_added':
        await addMissingInventory(tx, [message.entityId]);
        break;
      case 'venue.seats_closed':
        // Only seats nobody holds: retire_places refused the close of any held or sold.
        await tx.query(`DELETE FROM booking.seat_inventory WHERE seat_id = ANY($1::uuid[]) AND status = 'available'`, [data['seatIds']]);
        break;
      case 'venue.sections_closed':
        await tx.query(`DELETE FROM booking.seat_inventory WHERE seat_id = ANY($1::uuid[]) AND status = 'available'`, [data['seatIds']]);
        await tx.query(
          `DELETE FROM booking.ga_inventory WHERE (event_id, section_id) IN
             (SELECT event_id, section_id FROM booking.ga_sections WHERE section_id = ANY($1::uuid[]) AND held = 0 AND sold = 0)`,
          [data['sectionIds']],
        );
        break;
      case 'event.time_changed':
        await tellBuyersOfTimeChange(tx, outbox, message.entityId, data);
        break;
      default:
        break; // Other changes need nothing from booking (status is read from the catalog on every hold).
    }
    return true;
  });
}
