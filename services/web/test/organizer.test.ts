/**
 * An organizer builds a venue in the seat-map editor (with its live preview)
 * and an event at it, all in the browser; the event then shows in a buyer's
 * search with its seat map, and in the organizer's list with its sales. And
 * what buyers may not open, by link or by typed URL.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startPublicStack, type PublicStack } from '@ticketing/testing';
import { checkPage, desktop, launchBrowser, phone } from './browser.js';
import { organizerPage, partnerInBrowser, registerBuyer, seedOnSaleEvent, signedInContext } from './fixtures.js';
import { randomUUID } from 'node:crypto';

let stack: PublicStack;
let browser: Browser;

before(async () => {
  [stack, browser] = await Promise.all([startPublicStack(), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('an organizer creates a venue and an event in the browser; a buyer finds it and sees its seat map', async () => {
  // The organizer's own clock is not the venue's.
  const { email, password, context, page } = await partnerInBrowser(browser, stack, {
    displayName: 'Olga Organizer',
    organization: 'Riverside Events',
    timezoneId: 'America/New_York',
  });
  await page.getByRole('heading', { name: 'My events' }).waitFor();
  await page.getByText('You have no events yet').waitFor();

  await page.getByRole('link', { name: 'New venue' }).first().click();
  await page.getByRole('heading', { name: 'New venue' }).waitFor();
  await page.getByLabel('Venue name').fill('Riverside Hall');
  await page.getByLabel('City').fill('Ghent');
  await page.getByLabel('Time zone').selectOption('Europe/Brussels');
  // The first section starts as 3 rows of 10; make it 2 rows of 6 and a third row of vip seats.
  await page.getByLabel('Section name').first().fill('Balcony');
  await page.getByRole('button', { name: 'Remove row C' }).click();
  for (const row of [1, 2]) await page.getByLabel(`Row ${row} seats`).fill('6');
  await page.getByRole('button', { name: 'Add a row to Balcony' }).click();
  await page.getByLabel('Row 3 label').fill('V');
  await page.getByLabel('Row 3 seats').fill('4');
  await page.getByLabel('Row 3 category (optional)').fill('vip');
  await page.getByRole('button', { name: 'Add a standing area' }).click();
  await page.getByLabel('Capacity (places)').fill('80');
  await page.getByText('16 seats and 80 standing places.').waitFor();
  assert.equal(await page.locator('svg.seat-map circle').count(), 16, 'the preview draws every seat');
  // Shorter rows are centred on the widest (the default): row V's 4 seats start one seat step in from rows A and B.
  const firstOfRow = (n: number) => page.locator('svg.seat-map g').nth(n).locator('circle').first().getAttribute('cx');
  assert.equal(Number(await firstOfRow(2)) - Number(await firstOfRow(0)), 28);
  await checkPage(page, 'venue-editor');
  await page.getByRole('button', { name: 'Save venue' }).click();

  await page.getByRole('heading', { name: 'New event' }).waitFor();
  assert.match(await page.getByLabel('Venue').inputValue(), /^[0-9a-f-]{36}$/);
  await page.getByLabel('Title').fill('Riverside Jazz Night');
  await page.getByLabel('Description (optional)').fill('Three bands by the water');
  await page.getByLabel('Starts').fill('2031-07-01T20:00');
  await page.getByLabel('Ends').fill('2031-07-01T23:00');
  await page.getByLabel('Price for floor (EUR)').fill('25');
  await page.getByLabel('Price for standard (EUR)').fill('40');
  await page.getByLabel('Price for vip (EUR)').fill('90.5');
  await checkPage(page, 'event-editor');
  await page.getByRole('button', { name: 'Create event' }).click();

  await page.getByText('“Riverside Jazz Night” is created.').waitFor();
  // 20:00 at the venue (Brussels, summer time) whatever the organizer's own clock says.
  const created = await stack.call('GET', `/api/catalog/partner/events`, { token: await stack.logIn(email, password) });
  assert.equal(created.body.items[0].startsAt, '2031-07-01T18:00:00.000Z');
  const seatMap = await stack.call('GET', `/api/catalog/events/${created.body.items[0].id}/seat-map`);
  const rowStarts = Object.fromEntries(
    ['A', 'V'].map((row) => [row, Math.min(...seatMap.body.sections[0].seats.filter((s: { row: string }) => s.row === row).map((s: { x: number }) => s.x))]),
  );
  assert.deepEqual(rowStarts, { A: 0, V: 1 }, 'saved as previewed');
  const row = page.getByRole('row', { name: /Riverside Jazz Night/ });
  await row.getByRole('cell', { name: '96 of 96' }).waitFor();
  await checkPage(page, 'organizer-events');

  // A buyer searches for it and opens its seat map.
  const buyer = await registerBuyer(stack, 'Bea');
  const buyerContext = await signedInContext(browser, stack, buyer.session);
  const buyerPage = await buyerContext.newPage();
  await buyerPage.goto('/?q=jazz&city=ghent');
  await buyerPage.getByRole('link', { name: 'Riverside Jazz Night' }).click();
  await buyerPage.getByRole('checkbox', { name: 'Row V, seat 4, vip, 90.50 EUR, available' }).waitFor();
  assert.equal(await buyerPage.getByRole('checkbox').count(), 16);
  await buyerPage.getByText('floor, €25 each. 80 places left.').waitFor();

  // Its sale shows in the organizer's figures.
  await buyerPage.getByRole('checkbox', { name: 'Row A, seat 1, standard, 40 EUR, available' }).click();
  await buyerPage.getByRole('button', { name: 'Hold 1 seat' }).click();
  await buyerPage.getByRole('button', { name: /^Pay/ }).click();
  await buyerPage.getByRole('heading', { name: 'Booking confirmed' }).waitFor();
  await page.getByRole('button', { name: 'Refresh figures' }).click();
  await row.getByRole('cell', { name: '95 of 96' }).waitFor();
  await row.getByRole('cell', { name: '€40' }).waitFor();
  // On a phone every figure is on the screen (one card per event), none beyond its right edge.
  const figures = await Promise.all(['95 of 96', '€40'].map((name) => row.getByRole('cell', { name }).elementHandle()));
  await page.setViewportSize(phone);
  for (const figure of figures) {
    const box = await figure!.boundingBox();
    assert.ok(box && box.x + box.width <= phone.width, `${await figure!.textContent()} ends within ${phone.width} px`);
  }
  await page.setViewportSize(desktop);
  await Promise.all([context.close(), buyerContext.close()]);
});

test("a buyer cannot open another buyer's booking, a hold of theirs, or any organizer page, by URL either", async () => {
  const { eventId } = await seedOnSaleEvent(stack, { title: 'Private Matters' });
  const [owner, other] = await Promise.all([registerBuyer(stack, 'Olivia'), registerBuyer(stack, 'Mallory')]);
  const ownerToken = (owner.session as { accessToken: string }).accessToken;
  const seats = await stack.call('GET', `/api/booking/events/${eventId}/availability`);
  const hold = await stack.call('POST', '/api/booking/holds', { token: ownerToken, body: { eventId, seatIds: [seats.body.seats[0].seatId] } });
  const booking = await stack.call('POST', `/api/booking/holds/${hold.body.id}/checkout`, { token: ownerToken, body: { paymentMethod: 'pm_card_approved' } });
  assert.equal(booking.status, 201);
  const secondHold = await stack.call('POST', '/api/booking/holds', { token: ownerToken, body: { eventId, seatIds: [seats.body.seats[1].seatId] } });

  const context = await signedInContext(browser, stack, other.session);
  const page = await context.newPage();
  await page.goto(`/bookings/${booking.body.reference}`);
  await page.getByText('There is no booking with this reference in your account.').waitFor();
  assert.equal(await page.getByText(booking.body.reference).count(), 0);
  await checkPage(page, 'booking-not-yours');
  await page.goto(`/holds/${secondHold.body.id}`);
  await page.getByText('This hold does not exist or is not yours.').waitFor();
  for (const path of ['/organizer', '/organizer/venues/new', '/organizer/events/new']) {
    await page.goto(path);
    await page.getByText('This page is not available to your account.').waitFor();
    assert.equal(await page.getByRole('link', { name: 'New venue' }).count(), 0, `no organizer links on ${path}`);
  }
  await checkPage(page, 'not-allowed');
  // Nor through the API the page would have used.
  const otherToken = (other.session as { accessToken: string }).accessToken;
  assert.equal((await stack.call('GET', '/api/catalog/partner/events', { token: otherToken })).status, 403);
  assert.equal((await stack.call('GET', '/api/booking/partner/sales', { token: otherToken })).status, 403);

  // Signed out, the same URLs ask for a log-in first.
  const anonymous = await browser.newContext({ viewport: desktop, baseURL: stack.url });
  const anonymousPage = await anonymous.newPage();
  await anonymousPage.goto('/organizer');
  await anonymousPage.getByRole('heading', { name: 'Please log in' }).waitFor();
  assert.equal(await anonymousPage.getByRole('link', { name: 'Log in' }).last().getAttribute('href'), '/login?next=%2Forganizer');
  await Promise.all([context.close(), anonymous.close()]);
});

test("on a computer whose clock is UTC, the venue editor offers and saves UTC (Chromium's own list of zones lacks it)", async () => {
  const { email, password, context, page } = await partnerInBrowser(browser, stack, {
    displayName: 'Uma UTC',
    organization: 'UTC Events',
    timezoneId: 'UTC',
    next: '/organizer/venues/new',
  });
  await page.getByRole('heading', { name: 'New venue' }).waitFor();
  assert.equal(await page.getByLabel('Time zone').inputValue(), 'UTC');
  await page.getByLabel('Venue name').fill('Meridian Hall');
  await page.getByLabel('City').fill('London');
  await page.getByRole('button', { name: 'Save venue' }).click();
  await page.getByRole('heading', { name: 'New event' }).waitFor();
  await page.getByText('Local time at the venue (UTC).').waitFor();
  const venues = await stack.call('GET', '/api/catalog/partner/venues', { token: await stack.logIn(email, password) });
  assert.equal(venues.body.items[0].timezone, 'UTC');
  await context.close();
});

test('an organizer with more events than a page sees the first 50 with their sales, then the next 50 on request', async () => {
  const { venueId, partner } = await seedOnSaleEvent(stack, { title: 'Opening Night' });
  const day = (n: number) => new Date(Date.now() + (31 + n) * 86_400_000);
  const created: string[] = [];
  for (let n = 1; n <= 50; n++) {
    const res = await stack.call('POST', '/api/catalog/events', {
      token: partner.token,
      headers: { 'idempotency-key': randomUUID() },
      body: {
        venueId,
        title: `Matinee ${n}`,
        startsAt: day(n).toISOString(),
        endsAt: new Date(day(n).getTime() + 7_200_000).toISOString(),
        priceTiers: [
          { category: 'standard', priceCents: 3000, currency: 'EUR' },
          { category: 'floor', priceCents: 1500, currency: 'EUR' },
        ],
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    created.push(res.body.id);
  }
  // One sale on the last one: its figures come with the second page.
  const buyer = (await registerBuyer(stack, 'Lena Late')).session as { accessToken: string };
  const last = created.at(-1)!;
  const seats = await stack.call('GET', `/api/booking/events/${last}/availability`);
  const hold = await stack.call('POST', '/api/booking/holds', { token: buyer.accessToken, body: { eventId: last, seatIds: [seats.body.seats[0].seatId] } });
  const paid = await stack.call('POST', `/api/booking/holds/${hold.body.id}/checkout`, {
    token: buyer.accessToken,
    body: { paymentMethod: 'pm_card_approved' },
  });
  assert.equal(paid.status, 201, JSON.stringify(paid.body));

  const { context, page } = await organizerPage(browser, stack, partner);
  const list = page.getByRole('region', { name: 'Your events and their sales' });
  await list.getByRole('link', { name: 'Manage Matinee 49' }).waitFor();
  assert.equal(await list.locator('tbody tr').count(), 50, 'the soonest 50: Opening Night and Matinee 1–49');
  assert.equal(await list.getByRole('link', { name: 'Manage Matinee 50' }).count(), 0);
  await page.getByRole('button', { name: 'Show 50 more events' }).click();
  const fifty = list.locator('tbody tr', { has: page.getByRole('link', { name: 'Manage Matinee 50' }) });
  await fifty.waitFor();
  assert.equal(await fifty.locator('td[data-label="Sold"]').textContent(), '1');
  assert.equal(await fifty.locator('td[data-label="Available"]').textContent(), '65 of 66');
  assert.equal(await list.locator('tbody tr').count(), 51);
  assert.equal(await page.getByRole('button', { name: /more events/ }).count(), 0, 'no page after the last');
  await checkPage(page, 'organizer-more-events');

  // Past events are left out unless asked for (the catalog's tests cover which ones); asking keeps these listed.
  await page.getByRole('link', { name: 'Show past events too' }).click();
  await page.getByRole('link', { name: 'Hide past events' }).waitFor();
  await list.getByRole('link', { name: 'Manage Opening Night' }).waitFor();
  assert.match(page.url(), /[?&]past=1/);
  await context.close();
});
