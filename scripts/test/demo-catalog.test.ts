/**
 * The demo catalog npm start prepares for the demo organizer: a seated venue
 * with its seat map and a standing floor, and upcoming events on sale there
 * (with booking's inventory), made through the catalog's API once; later
 * starts find them, and an event that has taken place gets a new date.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startPublicStack, waitUntil, type PublicStack } from '@ticketing/testing';
import { demoEvents, demoVenue, ensureDemoCatalog, type DemoCatalog } from '../local-stack/demo-catalog.js';

let stack: PublicStack;
const organizer = { email: 'organizer@example.com', password: 'demo organizer password' };
let options: Parameters<typeof ensureDemoCatalog>[0];
let first: DemoCatalog;

before(async () => {
  stack = await startPublicStack();
  await stack.createPartner({ ...organizer, displayName: 'Demo Organizer', organization: 'Demo Events' });
  options = { usersUrl: `${stack.url}/api/users`, catalogUrl: `${stack.url}/api/catalog`, ...organizer };
  first = await ensureDemoCatalog(options);
});
after(() => stack?.stop());

const seatedCount = demoVenue.sections.flatMap((s) => (s.kind === 'seated' ? s.rows.map((r) => r.seats) : [])).reduce((a, b) => a + b, 0);

test('the first start creates the venue (seat map and standing floor) and every demo event, on sale in the future', async () => {
  assert.deepEqual(
    first.events.map((e) => [e.title, e.created]),
    demoEvents.map((e) => [e.title, true]),
  );
  const search = await stack.call('GET', '/api/catalog/events?city=lisbon');
  assert.equal(search.status, 200);
  assert.deepEqual(search.body.items.map((e: { title: string }) => e.title).sort(), demoEvents.map((e) => e.title).sort());
  for (const event of search.body.items as { startsAt: string; status: string; venue: { name: string } }[]) {
    assert.equal(event.status, 'on_sale');
    assert.equal(event.venue.name, demoVenue.name);
    assert.ok(new Date(event.startsAt).getTime() > Date.now() + 7 * 86_400_000, event.startsAt);
    const atVenue = new Intl.DateTimeFormat('en-GB', { timeZone: demoVenue.timezone, hour: '2-digit', minute: '2-digit' }).format(new Date(event.startsAt));
    assert.equal(atVenue, '20:00', `${event.startsAt} is 20:00 in Lisbon`);
  }

  const map = await stack.call('GET', `/api/catalog/events/${first.events[0]!.id}/seat-map`);
  const seated = map.body.sections.filter((s: { kind: string }) => s.kind === 'seated');
  assert.deepEqual(
    seated.map((s: { name: string }) => s.name),
    ['Stalls', 'Balcony'],
  );
  const seats = seated.flatMap((s: { seats: { x: number; y: number; category: string }[] }) => s.seats);
  assert.equal(seats.length, seatedCount);
  assert.deepEqual([...new Set(seats.map((s: { category: string }) => s.category))].sort(), ['balcony', 'premium', 'standard']);
  // A drawn map: rows centred on the widest one (row A's first seat sits 4 steps in), no two seats on one spot.
  assert.equal(new Set(seats.map((s: { x: number; y: number }) => `${s.x},${s.y}`)).size, seats.length);
  assert.equal(map.body.sections.find((s: { kind: string }) => s.kind === 'general_admission').capacity, 150);

  // Booking built its inventory from the catalog's changes: every seat and the floor can be bought.
  await waitUntil(
    'the inventory of every seat',
    async () => {
      const availability = await stack.call('GET', `/api/booking/events/${first.events[0]!.id}/availability`);
      return availability.status === 200 && availability.body.seats.length === seatedCount;
    },
    { timeoutMs: 15_000 },
  );
});

test('a later start finds everything and creates nothing', async () => {
  const again = await ensureDemoCatalog(options);
  assert.equal(again.venueId, first.venueId);
  assert.deepEqual(
    again.events,
    first.events.map((e) => ({ ...e, created: false })),
  );
  const token = await stack.logIn(organizer.email, organizer.password);
  assert.equal((await stack.call('GET', '/api/catalog/partner/venues', { token })).body.items.length, 1);
  assert.equal((await stack.call('GET', '/api/catalog/partner/events', { token })).body.items.length, demoEvents.length);
});

test('weeks later, an event that has taken place is replaced by a new date; the others are kept', async () => {
  const soonest = Math.min(...demoEvents.map((e) => e.daysAhead));
  const later = await ensureDemoCatalog({ ...options, now: new Date(Date.now() + (soonest + 1) * 86_400_000) });
  assert.equal(later.venueId, first.venueId);
  assert.deepEqual(
    later.events.filter((e) => e.created).map((e) => e.title),
    demoEvents.filter((e) => e.daysAhead === soonest).map((e) => e.title),
  );
});

test('in summer too, an event starts at 20:00 at the venue (then UTC+1)', async () => {
  const july = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 6, 1));
  const summer = await ensureDemoCatalog({ ...options, now: july });
  const event = await stack.call('GET', `/api/catalog/events/${summer.events[0]!.id}`);
  assert.equal(new Date(event.body.startsAt).getUTCHours(), 19);
});
