import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  consumeTopic,
  createTestTopic,
  eventBody,
  http,
  smallVenue,
  startCatalogAndBooking,
  testDatabaseServerUrl,
  testKafkaBrokers,
  testToken,
  tokens,
  waitUntil,
  type LocalServices,
} from '@ticketing/testing';
import { catalogQueries } from '../src/catalog-reader.js';
import { shareVenueCopyLock } from '../src/inventory.js';

/**
 * Booking applies the catalog's changes (catalog-changes): a repriced tier
 * reaches new holds but not existing bookings, a moved event tells its
 * buyers on ticket-bookings, imported events get their inventory in bulk,
 * paused or closed sales refuse new holds, a cancelled event refunds its
 * buyers, a seat close racing a hold never leaves a closed seat held, and
 * seats added to a section go on sale for every event of the venue.
 */
describe('booking follows catalog changes', () => {
  let services: LocalServices;
  let catalogTopic: string;
  const buyer = testToken('buyer-changes', 'buyer');
  const brokers = testKafkaBrokers().join(',');

  before(async () => {
    catalogTopic = await createTestTopic(brokers, 'catalog-changes');
    services = await startCatalogAndBooking({
      databaseServerUrl: testDatabaseServerUrl(),
      kafkaBrokers: brokers,
      env: { KAFKA_TOPIC_CATALOG: catalogTopic, CHANGE_RELAY_INTERVAL_MS: '50', IMPORT_POLL_INTERVAL_MS: '50', SWEEPER_INTERVAL_MS: '200' },
    });
  });
  after(async () => services?.close());

  /** A published event of a new venue of alice's, and one of its available standard seats. */
  async function eventWithSeat() {
    const venue = await http(services.catalogUrl, 'POST', '/venues', { token: tokens.alice, body: smallVenue() });
    const event = await http(services.catalogUrl, 'POST', '/events', { token: tokens.alice, body: eventBody(venue.body.id) });
    assert.equal(event.status, 201);
    const eventId = event.body.id as string;
    const availability = await http(services.bookingUrl, 'GET', `/events/${eventId}/availability`);
    const seatId = availability.body.seats.find((s: any) => s.category === 'standard').seatId as string;
    return { venueId: venue.body.id as string, eventId, seatId };
  }

  async function bookedEvent() {
    const { venueId, eventId, seatId } = await eventWithSeat();
    const hold = await http(services.bookingUrl, 'POST', '/holds', { token: buyer, body: { eventId, seatIds: [seatId] } });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    const paid = await http(services.bookingUrl, 'POST', `/holds/${hold.body.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
    assert.equal(paid.status, 201, JSON.stringify(paid.body));
    return { venueId, eventId, seatId, booking: paid.body };
  }

  test('a repriced tier changes what new holds pay, never what existing bookings paid', async () => {
    const { eventId, seatId, booking } = await bookedEvent();
    assert.equal(booking.amount.cents, 5000);
    const put = await http(services.catalogUrl, 'PUT', `/events/${eventId}/price-tiers/standard`, {
      token: tokens.alice,
      body: { priceCents: 7200, currency: 'EUR' },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));

    const prices = await waitUntil('booking applied the new price', async () => {
      const a = await http(services.bookingUrl, 'GET', `/events/${eventId}/availability`);
      const standard = a.body.seats.filter((s: any) => s.category === 'standard');
      return standard.filter((s: any) => s.status === 'available').every((s: any) => s.priceCents === 7200) && standard;
    });
    assert.equal(prices.find((s: any) => s.seatId === seatId).priceCents, 5000, 'the sold seat keeps its price');
    const other = prices.find((s: any) => s.status === 'available').seatId;
    const hold = await http(services.bookingUrl, 'POST', '/holds', { token: buyer, body: { eventId, seatIds: [other] } });
    assert.equal(hold.body.amount.cents, 7200);

    const mine = await http(services.bookingUrl, 'GET', `/bookings/${booking.reference}`, { token: buyer });
    assert.equal(mine.body.amount.cents, 5000);
    const row = await services.pool.query('SELECT amount_cents FROM booking.bookings WHERE reference = $1', [booking.reference]);
    assert.equal(row.rows[0].amount_cents, 5000);
  });

  test('moving an event tells each buyer with a booking on ticket-bookings; pausing refuses new holds', async () => {
    const { eventId, booking } = await bookedEvent();
    const moved = await http(services.catalogUrl, 'PATCH', `/events/${eventId}`, {
      token: tokens.alice,
      body: { startsAt: '2031-05-08T19:00:00Z', endsAt: '2031-05-08T22:00:00Z' },
    });
    assert.equal(moved.status, 200);
    const messages = await consumeTopic(
      brokers,
      services.topic,
      (all) => all.some((m) => m.value.type === 'event.time_changed' && m.value.eventId === eventId),
      30_000,
    );
    const told = messages.filter((m) => m.value.type === 'event.time_changed' && m.value.eventId === eventId);
    assert.equal(told.length, 1);
    assert.deepEqual(told[0]!.value.data, {
      bookingId: booking.id,
      bookingReference: booking.reference,
      buyerId: 'buyer-changes',
      previousStartsAt: '2031-05-01T19:00:00.000Z',
      previousEndsAt: '2031-05-01T22:00:00.000Z',
      startsAt: '2031-05-08T19:00:00.000Z',
      endsAt: '2031-05-08T22:00:00.000Z',
    });

    const seatId = (await http(services.bookingUrl, 'GET', `/events/${eventId}/availability`)).body.seats.find((s: any) => s.status === 'available').seatId;
    for (const [status, holdStatus] of [
      ['paused', 409],
      ['on_sale', 201],
      ['sales_closed', 409],
    ] as const) {
      assert.equal((await http(services.catalogUrl, 'PATCH', `/events/${eventId}`, { token: tokens.alice, body: { status } })).status, 200);
      const hold = await http(services.bookingUrl, 'POST', '/holds', { token: buyer, body: { eventId, seatIds: [seatId] } });
      assert.equal(hold.status, holdStatus, `${status}: ${JSON.stringify(hold.body)}`);
      if (hold.status === 201) await http(services.bookingUrl, 'DELETE', `/holds/${hold.body.id}`, { token: buyer });
    }
  });

  test('an organizer cancelling an event (lifecycle API) refunds every booking and tells each buyer on ticket-bookings', async () => {
    const { eventId, booking } = await bookedEvent();
    const cancelled = await http(services.catalogUrl, 'PATCH', `/events/${eventId}`, { token: tokens.alice, body: { status: 'cancelled' } });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    await waitUntil('the booking is cancelled and its payment refunded', async () => {
      const { rows } = await services.pool.query(
        `SELECT b.status, p.status AS payment FROM booking.bookings b JOIN booking.payments p ON p.id = b.payment_id WHERE b.reference = $1`,
        [booking.reference],
      );
      return rows[0]?.status === 'cancelled' && rows[0]?.payment === 'refunded';
    });
    const messages = await consumeTopic(
      brokers,
      services.topic,
      (all) => all.some((m) => m.value.type === 'booking.cancelled' && m.value.data.bookingReference === booking.reference),
      30_000,
    );
    const told = messages.find((m) => m.value.type === 'booking.cancelled' && m.value.data.bookingReference === booking.reference)!;
    assert.equal(told.value.data.reason, 'event_cancelled');
    assert.equal((await http(services.bookingUrl, 'GET', `/bookings/${booking.reference}`, { token: buyer })).body.status, 'cancelled');
  });

  test('a sold or held seat cannot be closed (409 naming them); free seats close and new sections open for sale', async () => {
    const { venueId, eventId, seatId: sold } = await bookedEvent();
    const seats = (await http(services.bookingUrl, 'GET', `/events/${eventId}/availability`)).body.seats.filter((s: any) => s.status === 'available');
    const [held, free] = [seats[0].seatId as string, seats[1].seatId as string];
    assert.equal((await http(services.bookingUrl, 'POST', '/holds', { token: buyer, body: { eventId, seatIds: [held] } })).status, 201);

    const close = (seatIds: string[], token = tokens.alice) =>
      http(services.catalogUrl, 'POST', `/venues/${venueId}/seats/close`, { token, body: { seatIds } });
    const refused = await close([sold, held, free]);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.type, 'https://ticketing.dev/problems/seats-in-use');
    assert.deepEqual(refused.body.seatIds, [sold, held].sort());
    assert.equal((await http(services.catalogUrl, 'GET', `/venues/${venueId}/seats`)).body.seats.length, 9);
    assert.equal((await close([free], tokens.bob)).status, 403);
    const foreignSection = { name: 'Bob box', kind: 'seated', category: 'standard', rows: [{ row: 'Z', seats: 2 }] };
    const bobAdds = await http(services.catalogUrl, 'POST', `/venues/${venueId}/sections`, { token: tokens.bob, body: { sections: [foreignSection] } });
    assert.equal(bobAdds.status, 403, 'another organization cannot add sections to the venue');

    const closed = await close([free]);
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.deepEqual(closed.body.closed, [free]);
    assert.equal((await http(services.catalogUrl, 'GET', `/venues/${venueId}/seats`)).body.seats.length, 8);
    const seatMapIds = (await http(services.catalogUrl, 'GET', `/events/${eventId}/seat-map`)).body.sections.flatMap((s: any) => s.seats.map((x: any) => x.id));
    assert.equal(seatMapIds.includes(free), false);
    await waitUntil('booking dropped the closed seat', async () => {
      const a = await http(services.bookingUrl, 'GET', `/events/${eventId}/availability`);
      return a.body.seats.length === 8 && !a.body.seats.some((s: any) => s.seatId === free);
    });

    // A new section with a new category: on sale for the event once the event prices it.
    const balcony = { name: 'Balcony', kind: 'seated', category: 'balcony', rows: [{ row: 'A', seats: 3 }] };
    const added = await http(services.catalogUrl, 'POST', `/venues/${venueId}/sections`, { token: tokens.alice, body: { sections: [balcony] } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual(
      added.body.sections.map((s: any) => [s.name, s.capacity]),
      [
        ['Stalls', 8],
        ['Floor', 100],
        ['Balcony', 3],
      ],
    );
    assert.equal((await http(services.catalogUrl, 'POST', `/venues/${venueId}/sections`, { token: tokens.alice, body: { sections: [balcony] } })).status, 400);
    const unpriced = (await http(services.catalogUrl, 'GET', `/events/${eventId}/seat-map`)).body;
    assert.equal(unpriced.sections.find((s: any) => s.name === 'Balcony').seats.length, 0);
    const priced = await http(services.catalogUrl, 'PUT', `/events/${eventId}/price-tiers/balcony`, {
      token: tokens.alice,
      body: { priceCents: 2500, currency: 'EUR' },
    });
    assert.equal(priced.status, 200, JSON.stringify(priced.body));
    const map = (await http(services.catalogUrl, 'GET', `/events/${eventId}/seat-map`)).body;
    assert.deepEqual(
      map.sections.find((s: any) => s.name === 'Balcony').seats.map((x: any) => [x.row, x.number, x.priceCents]),
      [
        ['A', 1, 2500],
        ['A', 2, 2500],
        ['A', 3, 2500],
      ],
    );
    await waitUntil('booking sells the new section', async () => {
      const a = await http(services.bookingUrl, 'GET', `/events/${eventId}/availability`);
      return a.body.seats.filter((s: any) => s.category === 'balcony' && s.priceCents === 2500).length === 3;
    });
  });

  test('a section with places held or sold cannot be closed (409 naming it); free sections close with their seats, everywhere', async () => {
    const { venueId, eventId, seatId: sold } = await bookedEvent();
    const [stalls, floor] = (await http(services.catalogUrl, 'GET', `/venues/${venueId}`)).body.sections.map((s: any) => s.id as string);
    const gaHold = await http(services.bookingUrl, 'POST', '/holds', { token: buyer, body: { eventId, generalAdmission: { sectionId: floor, quantity: 2 } } });
    assert.equal(gaHold.status, 201, JSON.stringify(gaHold.body));
    const close = (sectionIds: string[], token = tokens.alice) =>
      http(services.catalogUrl, 'POST', `/venues/${venueId}/sections/close`, { token, body: { sectionIds } });

    const refused = await close([stalls, floor]);
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.type, 'https://ticketing.dev/problems/sections-in-use');
    assert.deepEqual(refused.body.sectionIds, [stalls, floor].sort());
    assert.deepEqual(refused.body.seatIds, [sold]);
    assert.equal((await close([floor], tokens.bob)).status, 403);
    const otherVenue = (await http(services.catalogUrl, 'POST', '/venues', { token: tokens.alice, body: smallVenue() })).body.sections[0].id;
    assert.equal((await close([otherVenue])).status, 400);
    assert.equal((await http(services.catalogUrl, 'GET', `/venues/${venueId}`)).body.sections.length, 2, 'nothing closed');

    // Once the places are released the floor closes: gone from the venue, the event's seat map and booking's inventory.
    assert.equal((await http(services.bookingUrl, 'DELETE', `/holds/${gaHold.body.id}`, { token: buyer })).status, 200);
    const closed = await close([floor]);
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.deepEqual(closed.body.closed, [floor]);
    assert.deepEqual((await close([floor])).body.closed, [], 'closing again changes nothing');
    assert.deepEqual(
      (await http(services.catalogUrl, 'GET', `/venues/${venueId}`)).body.sections.map((s: any) => s.id),
      [stalls],
    );
    const seatMap = await http(services.catalogUrl, 'GET', `/events/${eventId}/seat-map`);
    assert.equal(
      seatMap.body.sections.some((s: any) => s.id === floor),
      false,
    );
    const availability = await http(services.bookingUrl, 'GET', `/events/${eventId}/availability`);
    assert.deepEqual(availability.body.generalAdmission, []);
    const late = await http(services.bookingUrl, 'POST', '/holds', { token: buyer, body: { eventId, generalAdmission: { sectionId: floor, quantity: 1 } } });
    assert.notEqual(late.status, 201, 'a closed section takes no holds');

    // A seated section nobody holds closes with its seats.
    const balcony = { name: 'Upper', kind: 'seated', category: 'standard', rows: [{ row: 'U', seats: 2 }] };
    const added = await http(services.catalogUrl, 'POST', `/venues/${venueId}/sections`, { token: tokens.alice, body: { sections: [balcony] } });
    const upper = added.body.sections.find((s: any) => s.name === 'Upper').id as string;
    await waitUntil('booking added the new seats', async () => {
      const a = await http(services.bookingUrl, 'GET', `/events/${eventId}/availability`);
      return a.body.seats.filter((s: any) => s.sectionId === upper).length === 2;
    });
    assert.deepEqual((await close([upper])).body.closed, [upper]);
    const seatsLeft = await services.pool.query('SELECT count(*)::int AS n FROM booking.seat_inventory WHERE section_id = $1', [upper]);
    assert.equal(seatsLeft.rows[0].n, 0);
    const changes = await http(services.catalogUrl, 'GET', `/venues/${venueId}/changes`, { token: tokens.alice });
    const audited = changes.body.items.filter((c: any) => c.type === 'venue.sections_closed');
    assert.deepEqual(
      audited.map((c: any) => [c.actor, c.data.sectionIds]),
      [
        ['partner-alice', [floor]],
        ['partner-alice', [upper]],
      ],
    );
  });

  test('closed sections reopen with the seats closed with them (a seat closed on its own before stays closed) and are on sale again; audited', async () => {
    const { venueId, eventId, seatId: brokenSeat } = await eventWithSeat();
    const [stalls, floor] = (await http(services.catalogUrl, 'GET', `/venues/${venueId}`)).body.sections.map((s: any) => s.id as string);
    const before = (await http(services.bookingUrl, 'GET', `/events/${eventId}/availability`)).body;
    const post = (path: string, body: unknown, token = tokens.alice) => http(services.catalogUrl, 'POST', `/venues/${venueId}${path}`, { token, body });
    assert.equal((await post('/seats/close', { seatIds: [brokenSeat] })).status, 200);
    assert.equal((await post('/sections/close', { sectionIds: [stalls, floor] })).status, 200);
    const closedView = await http(services.catalogUrl, 'GET', `/partner/venues/${venueId}`, { token: tokens.alice });
    assert.deepEqual(
      closedView.body.closedSections.map((s: any) => [s.id, s.kind, s.places]),
      [
        [stalls, 'seated', before.seats.length - 1],
        [floor, 'general_admission', before.generalAdmission[0].capacity],
      ],
      'what reopening would bring back',
    );
    await waitUntil('booking removed the closed places', async () => {
      const a = await http(services.bookingUrl, 'GET', `/events/${eventId}/availability`);
      return a.body.seats.length === 0 && a.body.generalAdmission.length === 0;
    });

    assert.equal((await post('/sections/reopen', { sectionIds: [floor] }, tokens.bob)).status, 403);
    const otherVenue = (await http(services.catalogUrl, 'POST', '/venues', { token: tokens.alice, body: smallVenue() })).body.sections[0].id;
    assert.equal((await post('/sections/reopen', { sectionIds: [otherVenue] })).status, 400);
    const reopened = await post('/sections/reopen', { sectionIds: [stalls, floor] });
    assert.equal(reopened.status, 200, JSON.stringify(reopened.body));
    assert.deepEqual(new Set(reopened.body.reopened), new Set([stalls, floor]));
    assert.deepEqual((await post('/sections/reopen', { sectionIds: [stalls] })).body.reopened, [], 'an open section is left out');

    const seats = (await http(services.catalogUrl, 'GET', `/venues/${venueId}/seats`)).body.seats.map((s: any) => s.id);
    assert.equal(seats.length, before.seats.length - 1);
    assert.equal(seats.includes(brokenSeat), false, 'the seat closed on its own stays closed');
    assert.deepEqual((await http(services.catalogUrl, 'GET', `/partner/venues/${venueId}`, { token: tokens.alice })).body.closedSections, []);
    await waitUntil('booking sells the reopened places', async () => {
      const a = await http(services.bookingUrl, 'GET', `/events/${eventId}/availability`);
      return a.body.seats.length === before.seats.length - 1 && a.body.generalAdmission[0]?.available === before.generalAdmission[0].capacity;
    });
    const hold = await http(services.bookingUrl, 'POST', '/holds', { token: buyer, body: { eventId, generalAdmission: { sectionId: floor, quantity: 2 } } });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    const changes = await http(services.catalogUrl, 'GET', `/venues/${venueId}/changes`, { token: tokens.alice });
    const audited = changes.body.items.filter((c: any) => c.type === 'venue.sections_reopened');
    assert.equal(audited.length, 1);
    assert.equal(audited[0].data.seatIds.length, before.seats.length - 1);
    assert.equal(audited[0].data.seatIds.includes(brokenSeat), false);
  });

  test('places sold for an event that is over no longer keep them open; an event still to come still does; the past sales stay recorded', async () => {
    const { venueId, eventId: past, seatId: sold } = await bookedEvent();
    const floor = (await http(services.catalogUrl, 'GET', `/venues/${venueId}`)).body.sections.find((s: any) => s.name === 'Floor').id as string;
    const gaHold = await http(services.bookingUrl, 'POST', '/holds', {
      token: buyer,
      body: { eventId: past, generalAdmission: { sectionId: floor, quantity: 2 } },
    });
    assert.equal(gaHold.status, 201, JSON.stringify(gaHold.body));
    const gaPaid = await http(services.bookingUrl, 'POST', `/holds/${gaHold.body.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
    assert.equal(gaPaid.status, 201, JSON.stringify(gaPaid.body));
    // A second event at the venue, still to come, has a seat held: that one must stay open.
    const coming = await http(services.catalogUrl, 'POST', '/events', { token: tokens.alice, body: eventBody(venueId) });
    const comingSeats = (await http(services.bookingUrl, 'GET', `/events/${coming.body.id}/availability`)).body.seats;
    const heldLater = comingSeats.find((s: any) => s.seatId !== sold).seatId as string;
    assert.equal((await http(services.bookingUrl, 'POST', '/holds', { token: buyer, body: { eventId: coming.body.id, seatIds: [heldLater] } })).status, 201);
    const closeSeats = (seatIds: string[]) => http(services.catalogUrl, 'POST', `/venues/${venueId}/seats/close`, { token: tokens.alice, body: { seatIds } });
    const closeSections = (sectionIds: string[]) =>
      http(services.catalogUrl, 'POST', `/venues/${venueId}/sections/close`, { token: tokens.alice, body: { sectionIds } });

    // While the first event is still to come its sales keep the seat and the floor open.
    assert.equal((await closeSeats([sold])).status, 409);
    assert.equal((await closeSections([floor])).status, 409);

    // The first event took place (its clock moved into the past, as time would move it).
    await services.pool.query(`UPDATE catalog.events SET starts_at = now() - interval '3 hours', ends_at = now() - interval '1 hour' WHERE id = $1`, [past]);
    const refused = await closeSeats([sold, heldLater]);
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.deepEqual(refused.body.seatIds, [heldLater], 'only the hold for the event to come is in the way');
    const closed = await closeSeats([sold]);
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.deepEqual(closed.body.closed, [sold]);
    const floorClosed = await closeSections([floor]);
    assert.equal(floorClosed.status, 200, JSON.stringify(floorClosed.body));
    assert.deepEqual(floorClosed.body.closed, [floor]);

    // The event that is over keeps its record of what it sold; the event to come sells neither any more.
    const pastSeat = await services.pool.query('SELECT status FROM booking.seat_inventory WHERE event_id = $1 AND seat_id = $2', [past, sold]);
    assert.deepEqual(pastSeat.rows, [{ status: 'sold' }]);
    const pastFloor = await services.pool.query('SELECT sold FROM booking.ga_sections WHERE event_id = $1 AND section_id = $2', [past, floor]);
    assert.deepEqual(pastFloor.rows, [{ sold: 2 }]);
    const comingInventory = await http(services.bookingUrl, 'GET', `/events/${coming.body.id}/availability`);
    assert.equal(
      comingInventory.body.seats.some((s: any) => s.seatId === sold),
      false,
    );
    assert.deepEqual(comingInventory.body.generalAdmission, []);
  });

  /** Adds rows to the venue's Stalls section; returns the new seats. */
  async function addSeats(venueId: string, rows: unknown[]) {
    const stalls = (await http(services.catalogUrl, 'GET', `/venues/${venueId}`)).body.sections.find((s: any) => s.name === 'Stalls').id as string;
    const added = await http(services.catalogUrl, 'POST', `/venues/${venueId}/sections/${stalls}/seats`, { token: tokens.alice, body: { rows } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    return { stalls, seats: added.body.seats as { id: string; row: string; number: number; category: string }[] };
  }

  test("seats added to a section go on sale for every event with inventory at that event's prices, and for new events; published", async () => {
    const { venueId, eventId } = await eventWithSeat();
    const dearer = await http(services.catalogUrl, 'POST', '/events', {
      token: tokens.alice,
      body: eventBody(venueId, {
        startsAt: '2031-06-01T19:00:00Z',
        endsAt: '2031-06-01T22:00:00Z',
        priceTiers: [
          { category: 'vip', priceCents: 9900, currency: 'EUR' },
          { category: 'standard', priceCents: 6100, currency: 'EUR' },
          { category: 'floor', priceCents: 3000, currency: 'EUR' },
        ],
      }),
    });
    assert.equal(dearer.status, 201);
    assert.equal((await http(services.bookingUrl, 'GET', `/events/${dearer.body.id}/availability`)).body.seats.length, 9, 'its inventory exists');

    const { stalls, seats } = await addSeats(venueId, [
      { row: 'C', seats: 3 },
      { row: 'A', seats: 1 },
    ]);
    const ids = seats.map((s) => s.id);
    for (const [event, standard, vip] of [
      [eventId, 5000, 9000],
      [dearer.body.id as string, 6100, 9900],
    ] as const) {
      const added = await waitUntil('booking sells the new seats', async () => {
        const a = await http(services.bookingUrl, 'GET', `/events/${event}/availability`);
        const mine = a.body.seats.filter((s: any) => ids.includes(s.seatId));
        return mine.length === 4 && mine;
      });
      assert.deepEqual(
        added.map((s: any) => [s.sectionId, s.status, s.category, s.priceCents]).sort(),
        [
          [stalls, 'available', 'standard', standard],
          [stalls, 'available', 'standard', standard],
          [stalls, 'available', 'standard', standard],
          [stalls, 'available', 'vip', vip],
        ].sort(),
      );
    }
    const hold = await http(services.bookingUrl, 'POST', '/holds', { token: buyer, body: { eventId, seatIds: ids } });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    assert.equal(hold.body.amount.cents, 3 * 5000 + 9000);
    const { rows: inventory } = await services.pool.query(
      'SELECT count(*)::int AS n, count(DISTINCT (event_id, seat_id))::int AS distinct_rows FROM booking.seat_inventory WHERE seat_id = ANY($1::uuid[])',
      [ids],
    );
    assert.deepEqual(inventory, [{ n: 8, distinct_rows: 8 }], 'one row per seat and event with inventory');

    // An event created afterwards has them from its first copy.
    const later = await http(services.catalogUrl, 'POST', '/events', {
      token: tokens.alice,
      body: eventBody(venueId, { startsAt: '2031-07-01T19:00:00Z', endsAt: '2031-07-01T22:00:00Z' }),
    });
    const laterSeats = (await http(services.bookingUrl, 'GET', `/events/${later.body.id}/availability`)).body.seats;
    assert.equal(laterSeats.length, 13);
    const laterHold = await http(services.bookingUrl, 'POST', '/holds', { token: buyer, body: { eventId: later.body.id, seatIds: [ids[0]] } });
    assert.equal(laterHold.status, 201, JSON.stringify(laterHold.body));

    const messages = await consumeTopic(brokers, catalogTopic, (all) => all.some((m) => m.value.type === 'venue.seats_added' && m.value.entityId === venueId));
    const message = messages.find((m) => m.value.type === 'venue.seats_added' && m.value.entityId === venueId)!;
    assert.equal(message.key, venueId);
    assert.equal(message.headerId, message.value.id);
    assert.deepEqual(
      { entity: message.value.entity, actor: message.value.actor, organizationId: message.value.organizationId, data: message.value.data },
      { entity: 'venue', actor: 'partner-alice', organizationId: 'org-alice', data: { sectionId: stalls, seatIds: ids } },
    );
    const audit = await http(services.catalogUrl, 'GET', `/venues/${venueId}/changes`, { token: tokens.alice });
    assert.deepEqual(
      audit.body.items.filter((c: any) => c.type === 'venue.seats_added').map((c: any) => c.id),
      [message.value.id],
    );
  });

  test('a closed seat added again is on sale again, the same seat', async () => {
    const { venueId, eventId, seatId } = await eventWithSeat();
    const seat = (await http(services.catalogUrl, 'GET', `/venues/${venueId}/seats`)).body.seats.find((s: any) => s.id === seatId);
    const closed = await http(services.catalogUrl, 'POST', `/venues/${venueId}/seats/close`, { token: tokens.alice, body: { seatIds: [seatId] } });
    assert.deepEqual(closed.body.closed, [seatId]);
    await waitUntil('booking dropped the closed seat', async () => {
      const a = await http(services.bookingUrl, 'GET', `/events/${eventId}/availability`);
      return !a.body.seats.some((s: any) => s.seatId === seatId);
    });
    const { seats } = await addSeats(venueId, [{ row: seat.row, seats: 1, firstNumber: seat.number }]);
    assert.deepEqual(
      seats.map((s) => s.id),
      [seatId],
    );
    await waitUntil('booking sells the seat again', async () => {
      const a = await http(services.bookingUrl, 'GET', `/events/${eventId}/availability`);
      return a.body.seats.some((s: any) => s.seatId === seatId && s.status === 'available');
    });
    const hold = await http(services.bookingUrl, 'POST', '/holds', { token: buyer, body: { eventId, seatIds: [seatId] } });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
  });

  test("seats added while a first buyer's copy of the seat map is committing reach that event too, once", async () => {
    const { venueId } = await eventWithSeat();
    const fresh = await http(services.catalogUrl, 'POST', '/events', { token: tokens.alice, body: eventBody(venueId) });
    assert.equal(fresh.status, 201);
    const freshEvent = fresh.body.id as string;
    const applied = async () =>
      Number((await services.pool.query(`SELECT count(*) AS n FROM booking.catalog_changes_applied WHERE type = 'venue.seats_added'`)).rows[0].n);
    const appliedBefore = await applied();

    // A first buyer's copy (as ensureInventory runs it) that has read the seat map before the seats were added and not committed yet.
    const copy = await services.pool.connect();
    let seats: { id: string }[] = [];
    try {
      await copy.query('BEGIN');
      await copy.query('INSERT INTO booking.event_inventory (event_id, venue_id) VALUES ($1, $2)', [freshEvent, venueId]);
      await shareVenueCopyLock(copy, [venueId]);
      await copy.query(
        `INSERT INTO booking.seat_inventory (event_id, seat_id, section_id, category, price_cents, currency)
         SELECT $1, seat_id, section_id, category, price_cents, currency FROM (${catalogQueries.pricedSeats}) seats`,
        [freshEvent, venueId],
      );
      ({ seats } = await addSeats(venueId, [{ row: 'C', seats: 2 }]));
      await waitUntil('booking applies the change or waits for the copy', async () => (await lockWaiters()) >= 1 || (await applied()) > appliedBefore, {
        intervalMs: 20,
      });
      await copy.query('COMMIT');
    } finally {
      await copy.query('ROLLBACK').catch(() => undefined);
      copy.release();
    }
    const ids = seats.map((s) => s.id);
    const rows = await waitUntil(
      'the copied event has the new seats',
      async () => {
        const { rows } = await services.pool.query('SELECT seat_id FROM booking.seat_inventory WHERE event_id = $1 AND seat_id = ANY($2::uuid[])', [
          freshEvent,
          ids,
        ]);
        return rows.length >= 2 && rows;
      },
      { timeoutMs: 10_000 },
    );
    assert.equal(rows.length, 2);
    const hold = await http(services.bookingUrl, 'POST', '/holds', { token: buyer, body: { eventId: freshEvent, seatIds: ids } });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
  });

  test('imported events get their inventory in bulk, before any buyer asks', async () => {
    const venue = await http(services.catalogUrl, 'POST', '/venues', { token: tokens.alice, body: smallVenue() });
    const rows = Array.from(
      { length: 300 },
      (_, i) =>
        `bulk-${i},${venue.body.id},Show ${i},,${new Date(Date.UTC(2031, 1, 1) + i * 3_600_000).toISOString()},${new Date(Date.UTC(2031, 1, 1) + i * 3_600_000 + 1_800_000).toISOString()},EUR,vip=9000;standard=5000;floor=3000`,
    );
    const res = await fetch(`${services.catalogUrl}/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.alice}`, 'content-type': 'text/csv' },
      body: ['event_key,venue_id,title,description,starts_at,ends_at,currency,prices', ...rows].join('\n'),
    });
    assert.equal(res.status, 202);
    const inventory = await waitUntil('inventory of the imported events', async () => {
      const { rows: counts } = await services.pool.query<{ events: string; seats: string; ga: string }>(
        `SELECT count(DISTINCT ei.event_id) AS events, count(si.seat_id) AS seats, (SELECT count(*) FROM booking.ga_sections g JOIN catalog.events e ON e.id = g.event_id WHERE e.venue_id = $1) AS ga
           FROM booking.event_inventory ei JOIN catalog.events e ON e.id = ei.event_id LEFT JOIN booking.seat_inventory si ON si.event_id = ei.event_id
          WHERE e.venue_id = $1`,
        [venue.body.id],
      );
      return Number(counts[0]!.events) === 300 && counts[0];
    });
    assert.deepEqual(inventory, { events: '300', seats: String(300 * 9), ga: '300' });
  });
  /** Backends of this database waiting for a lock. */
  async function lockWaiters(): Promise<number> {
    const { rows } = await services.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    return Number(rows[0]!.n);
  }

  type Answer = Awaited<ReturnType<typeof http>>;

  /**
   * Closes `seatId` with the close's transaction stretched (it cannot mark the seat closed while
   * a lock of the test's is held, so all booking decides for it is decided and uncommitted), sends
   * `hold` in that moment, lets the close finish once the hold waits or was answered, and returns both answers.
   */
  async function holdDuringClose(venueId: string, seatId: string, hold: () => Promise<Answer>): Promise<[Answer, Answer]> {
    const blocker = await services.pool.connect();
    let closing: Promise<Answer> | undefined;
    let holding: Promise<Answer> | undefined;
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM catalog.seats WHERE id = $1 FOR UPDATE', [seatId]);
      closing = http(services.catalogUrl, 'POST', `/venues/${venueId}/seats/close`, { token: tokens.alice, body: { seatIds: [seatId] } });
      await waitUntil('the close waits on the seat row', async () => (await lockWaiters()) >= 1, { intervalMs: 20 });
      holding = hold();
      // The hold either waits for the close or, if nothing stops it, is answered at once.
      let answered = false;
      void holding.then(() => (answered = true));
      await waitUntil('the hold waits for the close, or was answered', async () => answered || (await lockWaiters()) >= 2, { intervalMs: 20 });
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    return Promise.all([closing!, holding!]);
  }

  // A hold racing a seat close: booking decides under its inventory row locks, in the catalog's
  // transaction (booking.retire_places), so a seat is either held and the close refused, or closed and
  // the hold refused; never both.
  test('a hold arriving after the close checked booking, before it committed, is refused; the seat is closed everywhere', async () => {
    const { venueId, eventId, seatId } = await eventWithSeat();
    const [closed, hold] = await holdDuringClose(venueId, seatId, () =>
      http(services.bookingUrl, 'POST', '/holds', { token: buyer, body: { eventId, seatIds: [seatId] } }),
    );

    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.deepEqual(closed.body.closed, [seatId]);
    assert.notEqual(hold.status, 201, `the closed seat was held: ${JSON.stringify(hold.body)}`);
    // The seat is no longer part of the event.
    assert.equal(hold.status, 422, JSON.stringify(hold.body));
    assert.deepEqual(hold.body.unknownSeatIds, [seatId]);
    const { rows } = await services.pool.query('SELECT status FROM booking.seat_inventory WHERE seat_id = $1', [seatId]);
    assert.deepEqual(rows, [], 'the closed seat left the inventory');
    const availability = await http(services.bookingUrl, 'GET', `/events/${eventId}/availability`);
    assert.equal(
      availability.body.seats.some((s: any) => s.seatId === seatId),
      false,
    );
  });

  test('a close arriving while a hold is committing waits for it and is refused, naming the seat', async () => {
    const { venueId, eventId, seatId } = await eventWithSeat();
    // A hold mid-transaction, as the hold statement leaves it: the seat's inventory row locked and marked held, not yet committed.
    const hold = await services.pool.connect();
    let closing: Promise<Awaited<ReturnType<typeof http>>> | undefined;
    try {
      await hold.query('BEGIN');
      await hold.query(
        `UPDATE booking.seat_inventory SET status = 'held', hold_id = gen_random_uuid(), held_until = now() + interval '10 minutes'
          WHERE event_id = $1 AND seat_id = $2`,
        [eventId, seatId],
      );
      closing = http(services.catalogUrl, 'POST', `/venues/${venueId}/seats/close`, { token: tokens.alice, body: { seatIds: [seatId] } });
      await waitUntil('the close waits for the hold', async () => (await lockWaiters()) >= 1, { intervalMs: 20 });
      await hold.query('COMMIT');
    } finally {
      await hold.query('ROLLBACK').catch(() => undefined);
      hold.release();
    }
    const refused = await closing;
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.type, 'https://ticketing.dev/problems/seats-in-use');
    assert.deepEqual(refused.body.seatIds, [seatId]);
    const seats = (await http(services.catalogUrl, 'GET', `/venues/${venueId}/seats`)).body.seats.map((s: any) => s.id);
    assert.ok(seats.includes(seatId), 'the held seat stays in the seat map');
    const { rows } = await services.pool.query('SELECT status FROM booking.seat_inventory WHERE seat_id = $1', [seatId]);
    assert.deepEqual(rows, [{ status: 'held' }]);
  });

  test("a first buyer's copy of the seat map racing a close never brings the closed seat back", async () => {
    const { venueId, seatId } = await eventWithSeat();
    // A second event at the venue whose inventory booking has not copied yet: its first hold copies it.
    const fresh = await http(services.catalogUrl, 'POST', '/events', { token: tokens.alice, body: eventBody(venueId) });
    assert.equal(fresh.status, 201);
    const freshEvent = fresh.body.id as string;
    const [closed, hold] = await holdDuringClose(venueId, seatId, () =>
      http(services.bookingUrl, 'POST', '/holds', { token: buyer, body: { eventId: freshEvent, seatIds: [seatId] } }),
    );
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.notEqual(hold.status, 201, `the closed seat was copied and held: ${JSON.stringify(hold.body)}`);
    assert.equal(hold.status, 422, JSON.stringify(hold.body));
    const { rows } = await services.pool.query('SELECT status FROM booking.seat_inventory WHERE event_id = $1 AND seat_id = $2', [freshEvent, seatId]);
    assert.deepEqual(rows, []);
  });
});
