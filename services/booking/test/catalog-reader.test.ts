import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { catalogDefinition } from '@ticketing/catalog/app';
import { createLogger, migrate, platformMigrations } from '@ticketing/platform';
import { createTestDatabase } from '@ticketing/platform/testing';
import pg from 'pg';
import { catalogQueries, eventHasStarted, eventIsCancelled, eventOwnerOf, findCatalogEvent, findEventsOfOwner } from '../src/catalog-reader.js';
import { seedEvent, type SeededEvent } from '@ticketing/testing';

/**
 * The contract between catalog and booking: every query booking runs on the
 * catalog's tables, on a database built by the catalog's own migrations
 * only. A migration that renames, drops or retypes what booking reads fails here.
 */
describe('what booking reads from the catalog', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  let event: SeededEvent;

  before(async () => {
    db = await createTestDatabase('catalog_reader');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const { schema, migrations } = catalogDefinition.database!;
    await migrate(pool, schema, [platformMigrations, { prefix: catalogDefinition.declaration.name, dir: migrations }], createLogger({}, 'error'));
    event = await seedEvent(pool, { seats: 3, gaCapacity: 7, priceCents: 4200 });
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  test('an event: venue, status and start', async () => {
    const found = await findCatalogEvent(pool, event.eventId);
    assert.equal(found?.venueId, event.venueId);
    assert.equal(found?.status, 'on_sale');
    assert.ok(found.startsAt instanceof Date && found.startsAt.getTime() > Date.now());
    assert.equal(await findCatalogEvent(pool, crypto.randomUUID()), undefined);
    assert.equal(await eventHasStarted(pool, event.eventId), false);
    assert.equal(await eventIsCancelled(pool, event.eventId), false);
    assert.equal(await eventOwnerOf(pool, event.eventId), 'org-1');
    assert.equal(await eventOwnerOf(pool, crypto.randomUUID()), undefined);
    assert.deepEqual(
      (await findEventsOfOwner(pool, 'org-1', 10)).map((e) => [e.id, e.venueId, e.status]),
      [[event.eventId, event.venueId, 'on_sale']],
    );
    assert.deepEqual(await findEventsOfOwner(pool, 'org-other', 10), []);
    assert.equal((await findEventsOfOwner(pool, undefined, 10)).length, 1, 'undefined: every owner (admins)');
  });

  test('priced seats and general-admission sections of an event', async () => {
    const seats = await pool.query(`SELECT * FROM (${catalogQueries.pricedSeats}) q ORDER BY seat_id`, [event.eventId, event.venueId]);
    assert.deepEqual(
      seats.rows.map((r) => r.seat_id),
      [...event.seatIds].sort(),
    );
    assert.deepEqual(Object.keys(seats.rows[0]).sort(), ['category', 'currency', 'price_cents', 'seat_id', 'section_id']);
    assert.deepEqual(
      { price: seats.rows[0].price_cents, currency: seats.rows[0].currency, category: seats.rows[0].category },
      { price: 4200, currency: 'EUR', category: 'standard' },
    );

    const ga = await pool.query(`SELECT * FROM (${catalogQueries.pricedGaSections}) q`, [event.eventId, event.venueId]);
    assert.deepEqual(ga.rows, [{ section_id: event.gaSectionId, category: 'floor', price_cents: 2500, currency: 'EUR', capacity: 7 }]);
  });

  test('cancelled events', async () => {
    const cancelled = () => pool.query<{ id: string }>(catalogQueries.cancelledEvents).then((r) => r.rows.map((row) => row.id));
    assert.deepEqual(await cancelled(), []);
    await pool.query(`UPDATE catalog.events SET status = 'cancelled' WHERE id = $1`, [event.eventId]);
    assert.deepEqual(await cancelled(), [event.eventId]);
    assert.equal(await eventIsCancelled(pool, event.eventId), true);
    await pool.query(`UPDATE catalog.events SET starts_at = now() - interval '1 hour', ends_at = now() + interval '1 hour' WHERE id = $1`, [event.eventId]);
    assert.equal(await eventHasStarted(pool, event.eventId), true);
  });
});
