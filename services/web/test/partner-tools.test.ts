/**
 * An organizer manages events after publishing, in the browser: pauses and
 * resumes sales, is refused a sales opening in the past and schedules one
 * ahead, reprices a tier, cancels an event after confirming (its buyer's
 * booking is then cancelled and refunded), reads the change history, and
 * imports a CSV with one bad row, following the job to its end.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startPublicStack, type PublicStack } from '@ticketing/testing';
import { checkPage, launchBrowser } from './browser.js';
import { organizerPage, registerBuyer, seedOnSaleEvent } from './fixtures.js';

let stack: PublicStack;
let browser: Browser;

before(async () => {
  [stack, browser] = await Promise.all([startPublicStack(), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

const days = (n: number) => new Date(Date.now() + n * 86_400_000);

/** Another event of the same partner at the same venue. */
async function addEvent(token: string, venueId: string, title: string, status: 'on_sale' | 'draft'): Promise<string> {
  const startsAt = days(40);
  const res = await stack.call('POST', '/api/catalog/events', {
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: {
      venueId,
      title,
      status,
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 7_200_000).toISOString(),
      priceTiers: [
        { category: 'standard', priceCents: 3500, currency: 'EUR' },
        { category: 'floor', priceCents: 2000, currency: 'EUR' },
      ],
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id as string;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test('an organizer pauses, resumes, schedules, reprices and cancels events, reads their history, and imports a CSV with a bad row', async () => {
  const { eventId, venueId, partner } = await seedOnSaleEvent(stack, { title: 'Harbour Songs' });
  const [doomedId, draftId] = await Promise.all([
    addEvent(partner.token, venueId, 'Harbour Farewell', 'on_sale'),
    addEvent(partner.token, venueId, 'Harbour Rehearsal', 'draft'),
  ]);

  // A buyer books a seat of the event that will be cancelled.
  const buyer = await registerBuyer(stack, 'Bruno');
  const buyerToken = (buyer.session as { accessToken: string }).accessToken;
  const seats = await stack.call('GET', `/api/booking/events/${doomedId}/availability`);
  const hold = await stack.call('POST', '/api/booking/holds', { token: buyerToken, body: { eventId: doomedId, seatIds: [seats.body.seats[0].seatId] } });
  assert.equal(hold.status, 201, JSON.stringify(hold.body));
  const booking = await stack.call('POST', `/api/booking/holds/${hold.body.id}/checkout`, { token: buyerToken, body: { paymentMethod: 'pm_card_approved' } });
  assert.equal(booking.status, 201, JSON.stringify(booking.body));

  const { context, page } = await organizerPage(browser, stack, partner);
  await page.getByRole('link', { name: 'Manage Harbour Songs' }).click();
  await page.getByRole('heading', { name: 'Harbour Songs' }).waitFor();
  const status = page.getByTestId('event-status');
  assert.equal(await status.textContent(), 'On sale');

  // Pause, then resume: buyers are refused holds while paused.
  await page.getByRole('button', { name: 'Pause sales' }).click();
  await page.getByText('The event is now paused.').waitFor();
  await page.getByRole('button', { name: 'Resume sales' }).waitFor();
  assert.equal(await status.textContent(), 'Paused');
  const refused = await stack.call('POST', '/api/booking/holds', { token: buyerToken, body: { eventId, seatIds: [seats.body.seats[0].seatId] } });
  assert.equal(refused.status, 409);
  await page.getByRole('button', { name: 'Resume sales' }).click();
  await page.getByText('The event is now on sale.').waitFor();
  assert.equal((await stack.call('GET', `/api/catalog/events/${eventId}`)).body.status, 'on_sale');

  // Reprice a tier: the new price shows and the history names both moves and the price change.
  await page.getByLabel('Category').selectOption('standard');
  await page.getByLabel('New price (EUR)').fill('42.50');
  await page.getByRole('button', { name: 'Save price' }).click();
  await page.getByText('existing bookings keep their price').waitFor();
  const history = page.getByRole('region', { name: 'Change history' });
  await history.getByText('Price of standard: €35 → €42.50').waitFor();
  await history.getByText('Status: on sale → paused').waitFor();
  await history.getByText('Status: paused → on sale').waitFor();
  assert.equal(await history.getByRole('cell', { name: 'You' }).count(), 4, 'pause, resume and reprice are by this organizer; creation too');
  const tiers = (await stack.call('GET', `/api/catalog/events/${eventId}`)).body.priceTiers as { category: string; priceCents: number }[];
  assert.equal(tiers.find((t) => t.category === 'standard')?.priceCents, 4250);
  await checkPage(page, 'event-manage');

  // A draft: a sales opening in the past is refused with the API's reason, one ahead is taken.
  await page.goto(`/organizer/events/${draftId}`);
  await page.getByRole('heading', { name: 'Harbour Rehearsal' }).waitFor();
  await page.getByLabel('Open sales at').fill('2020-01-01T10:00');
  await page.getByRole('button', { name: 'Schedule sales' }).click();
  await page.getByRole('alert').getByText('That sales opening time has already passed.').waitFor();
  assert.equal(await page.getByTestId('event-status').textContent(), 'Draft');
  const opening = days(10).toISOString().slice(0, 10);
  await page.getByLabel('Open sales at').fill(`${opening}T10:00`);
  await page.getByRole('button', { name: 'Schedule sales' }).click();
  await page.getByText(/^Sales open on /).waitFor();
  await page.getByTestId('event-status').getByText('Scheduled').waitFor();
  const scheduled = await stack.call('GET', `/api/catalog/events/${draftId}`, { token: partner.token });
  assert.equal(scheduled.body.status, 'scheduled');
  const lisbon = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Lisbon', dateStyle: 'short', timeStyle: 'short' });
  assert.equal(lisbon.format(new Date(scheduled.body.salesOpenAt)), `${opening} 10:00`, 'the time entered is the clock at the venue');

  // Cancel another event: a confirmation step first, saying what happens to bookings.
  await page.goto(`/organizer/events/${doomedId}`);
  await page.getByRole('button', { name: 'Cancel event…' }).click();
  const confirmation = page.getByRole('group', { name: /Cancel “Harbour Farewell”\?/ });
  await confirmation.getByText('Every booking is refunded and its buyer is notified').waitFor();
  await checkPage(page, 'event-cancel-confirm');
  await confirmation.getByRole('button', { name: 'Keep the event' }).click();
  assert.equal((await stack.call('GET', `/api/catalog/events/${doomedId}`)).body.status, 'on_sale', 'keeping it changes nothing');
  await page.getByRole('button', { name: 'Cancel event…' }).click();
  await page.getByRole('button', { name: 'Yes, cancel the event' }).click();
  await page.getByText('The event is cancelled: its bookings are being refunded and buyers notified.').waitFor();
  await page.getByText('nothing about it can change any more').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Save price' }).count(), 0);
  const cancelled = await until('the booking to be cancelled', async () => {
    const res = await stack.call('GET', `/api/booking/bookings/${booking.body.reference}`, { token: buyerToken });
    return res.body.status === 'cancelled' ? res.body : undefined;
  });
  assert.ok(cancelled.cancelledAt);

  // Import: three showtimes, the second missing a price; batches of one, so the other two are imported.
  const at = (n: number) => days(50 + n).toISOString();
  const csv = [
    'event_key,venue_id,title,starts_at,ends_at,currency,prices',
    `matinee-1,${venueId},Harbour Matinee,${at(1)},${at(1.1)},EUR,standard=3000;floor=1500`,
    `matinee-2,${venueId},Harbour Matinee,${at(2)},${at(2.1)},EUR,standard=3000`,
    `matinee-3,${venueId},Harbour Matinee,${at(3)},${at(3.1)},EUR,standard=3000;floor=1500`,
  ].join('\n');
  await page.goto('/organizer');
  await page.getByRole('link', { name: 'Import a file' }).click();
  await page.getByRole('heading', { name: 'Import events' }).waitFor();
  await page.getByLabel('File (.csv or .jsonl)').setInputFiles({ name: 'matinees.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByLabel('Leave out only the batch it is in').check();
  await page.getByLabel('Rows per batch').fill('1');
  await checkPage(page, 'import-upload');
  await page.getByRole('button', { name: 'Upload and import' }).click();
  await page.getByTestId('import-state').getByText('Partly imported').waitFor({ timeout: 20_000 });
  const rejected = page.getByRole('region', { name: 'Rejected rows' });
  const badRow = rejected.getByRole('row', { name: /^3 prices / });
  await badRow.waitFor();
  assert.match((await badRow.textContent()) ?? '', /floor/, 'the reason names the unpriced category');
  const counts = await page.locator('.import-counts').textContent();
  assert.match(counts ?? '', /Rows read3/);
  assert.match(counts ?? '', /Accepted2/);
  assert.match(counts ?? '', /Rejected1/);
  const importId = new URL(page.url()).searchParams.get('id');
  const job = await stack.call('GET', `/api/catalog/imports/${importId}`, { token: partner.token });
  assert.deepEqual(job.body.rows, { read: 3, accepted: 2, unchanged: 0, rejected: 1, skipped: 0 });
  await checkPage(page, 'import-progress');
  await context.close();
});

test("an organizer closes a broken seat and a standing area of a venue (a seat held for an event is named and stays open), then adds a row's seats and a new area", async () => {
  const { eventId, venueId, partner } = await seedOnSaleEvent(stack, { title: 'Dockside Strings', seatsPerRow: 6 });
  const buyer = await registerBuyer(stack, 'Vera');
  const buyerToken = (buyer.session as { accessToken: string }).accessToken;
  const venueSeats = (await stack.call('GET', `/api/catalog/venues/${venueId}/seats`)).body.seats as { id: string; row: string; number: number }[];
  const seatAt = (row: string, number: number) => venueSeats.find((s) => s.row === row && s.number === number)!.id;
  const hold = await stack.call('POST', '/api/booking/holds', { token: buyerToken, body: { eventId, seatIds: [seatAt('A', 1)] } });
  assert.equal(hold.status, 201, JSON.stringify(hold.body));

  const { context, page } = await organizerPage(browser, stack, partner);
  await page.getByRole('link', { name: 'Manage Harbour Arena, Porto' }).click();
  await page.getByRole('heading', { name: 'Harbour Arena' }).waitFor();
  const sections = page.getByRole('region', { name: 'Sections of the venue' });
  await sections.getByRole('rowheader', { name: 'Floor' }).waitFor();

  // Two seats picked on the map; one of them is held for the event, so nothing closes and the page says which.
  await page.getByRole('checkbox', { name: 'row A, seat 1, standard, open' }).click();
  await page.getByRole('checkbox', { name: 'row A, seat 2, standard, open' }).click();
  await page.getByText('Selected: row A, seat 1; row A, seat 2.').waitFor();
  await page.getByRole('button', { name: 'Close 2 selected seats' }).click();
  await page.getByRole('alert').getByText('Nothing was closed: row A, seat 1 is held or sold for an event.').waitFor();
  assert.equal((await stack.call('GET', `/api/catalog/venues/${venueId}/seats`)).body.seats.length, 12, 'nothing closed');

  // Without the held seat the other closes: gone from the map, the venue and the event's inventory.
  await page.getByRole('checkbox', { name: 'row A, seat 1, standard, selected to close' }).click();
  await page.getByRole('button', { name: 'Close 1 selected seat' }).click();
  await page.getByRole('status').getByText('Closed 1 seat: row A, seat 2.').waitFor();
  await page.getByRole('checkbox', { name: /^row A, seat 2,/ }).waitFor({ state: 'detached' });
  assert.equal(await page.getByRole('checkbox').count(), 11);
  const left = (await stack.call('GET', `/api/catalog/venues/${venueId}/seats`)).body.seats as { id: string }[];
  assert.equal(
    left.some((s) => s.id === seatAt('A', 2)),
    false,
  );
  // The event no longer sells it (once its availability, cached for a moment, is read again).
  await until('the event stops selling the closed seat', async () => {
    const availability = (await stack.call('GET', `/api/booking/events/${eventId}/availability`)).body;
    return availability.seats.some((s: { seatId: string }) => s.seatId === seatAt('A', 2)) ? undefined : true;
  });

  // The standing area closes after a confirmation step.
  await sections.getByRole('button', { name: 'Close Floor…' }).click();
  await page
    .getByRole('group', { name: /Close Floor\?/ })
    .getByText('Its 50 places leave every event at this venue.')
    .waitFor();
  await checkPage(page, 'venue-manage');
  await page.getByRole('button', { name: 'Yes, close Floor' }).click();
  await page.getByText('Floor is closed: no event sells its places any more.').waitFor();
  await sections.getByRole('rowheader', { name: 'Floor' }).waitFor({ state: 'detached' });
  const venue = (await stack.call('GET', `/api/catalog/venues/${venueId}`)).body as { sections: { name: string }[] };
  assert.deepEqual(
    venue.sections.map((s) => s.name),
    ['Stalls'],
  );
  await until('the event stops selling the floor', async () => {
    const availability = (await stack.call('GET', `/api/booking/events/${eventId}/availability`)).body;
    return availability.generalAdmission.length === 0 ? true : undefined;
  });

  // Places are added too: a row that exists gets longer, a new standing area opens, and the event sells them at its prices.
  const addSeats = page.getByRole('form', { name: 'Add a row of seats' });
  await addSeats.getByLabel('Row', { exact: true }).fill('B');
  await addSeats.getByLabel('Seats', { exact: true }).fill('2');
  await addSeats.getByRole('button', { name: 'Add seats' }).click();
  await page.getByRole('status').getByText('Added 2 seats to Stalls, row B.').waitFor();
  await page.getByRole('checkbox', { name: 'row B, seat 8, standard, open' }).waitFor();
  // A row in a category the event has no price for: the page says what selling it needs.
  await addSeats.getByLabel('Row', { exact: true }).fill('C');
  await addSeats.getByLabel('Seats', { exact: true }).fill('3');
  await addSeats.getByLabel('Category (optional)').fill('vip');
  await addSeats.getByRole('button', { name: 'Add seats' }).click();
  await page
    .getByRole('status')
    .getByText("Added 3 seats to Stalls, row C. “Dockside Strings” has no price for “vip” yet: set one on the event's page to sell them there.")
    .waitFor();
  await page.getByRole('checkbox', { name: 'row C, seat 3, vip, open' }).waitFor();
  const addSection = page.getByRole('form', { name: 'Add a section' });
  await addSection.getByLabel('Kind').selectOption('general_admission');
  await addSection.getByLabel('Section name').fill('Terrace');
  await addSection.getByLabel('Price category').fill('floor');
  await addSection.getByLabel('Capacity (places)').fill('30');
  await addSection.getByRole('button', { name: 'Add the section' }).click();
  assert.equal(
    await page.getByRole('status').filter({ hasText: 'Terrace is added' }).textContent(),
    'Terrace is added with 30 places.',
    'the event prices floor already',
  );
  await sections.getByRole('rowheader', { name: 'Terrace' }).waitFor();
  await checkPage(page, 'venue-manage-added');
  const terrace = (await stack.call('GET', `/api/catalog/venues/${venueId}`)).body.sections.find((s: { name: string }) => s.name === 'Terrace');
  assert.equal(terrace.capacity, 30);
  const rowB = ((await stack.call('GET', `/api/catalog/venues/${venueId}/seats`)).body.seats as { id: string; row: string }[]).filter(
    (seat) => seat.row === 'B',
  );
  assert.equal(rowB.length, 8);
  await until('the event sells the longer row and the terrace', async () => {
    const availability = (await stack.call('GET', `/api/booking/events/${eventId}/availability`)).body;
    const ga = availability.generalAdmission.find((g: { sectionId: string }) => g.sectionId === terrace.id);
    const onSale = new Set(availability.seats.map((seat: { seatId: string }) => seat.seatId));
    return ga?.priceCents === 2000 && ga.available === 30 && rowB.every((seat) => onSale.has(seat.id)) ? true : undefined;
  });

  // The closed floor reopens: back among the sections, and on sale again with its 50 places.
  const closedSections = page.getByRole('list', { name: 'Closed sections' });
  await closedSections.getByRole('listitem').filter({ hasText: 'Floor (50 places)' }).waitFor();
  await closedSections.getByRole('button', { name: 'Reopen Floor' }).click();
  await page.getByRole('status').getByText('Floor is open again: its 50 places are on sale for the events that price “floor”.').waitFor();
  await sections.getByRole('rowheader', { name: 'Floor' }).waitFor();
  assert.equal(await page.getByRole('list', { name: 'Closed sections' }).count(), 0, 'nothing is closed any more');
  await until('the event sells the floor again', async () => {
    const availability = (await stack.call('GET', `/api/booking/events/${eventId}/availability`)).body;
    const standing = availability.generalAdmission.filter((g: { sectionId: string }) => g.sectionId !== terrace.id);
    return standing.length === 1 && standing[0].available === 50 ? true : undefined;
  });
  await context.close();
});
