/**
 * A buyer's whole way through the UI in a real Chromium, against the whole
 * platform behind the gateway: register, search, pick seats on the map, hold,
 * pay, see the confirmation, find it in "my bookings" and cancel it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startPublicStack, type PublicStack } from '@ticketing/testing';
import { checkPage, desktop, launchBrowser } from './browser.js';
import { registerBuyer, seedOnSaleEvent, signedInContext } from './fixtures.js';

let stack: PublicStack;
let browser: Browser;
let eventId: string;
let seeded: Awaited<ReturnType<typeof seedOnSaleEvent>>;

before(async () => {
  [stack, browser] = await Promise.all([startPublicStack(), launchBrowser()]);
  seeded = await seedOnSaleEvent(stack, { title: 'Fado by the River' });
  eventId = seeded.eventId;
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('search → seats → hold → pay → confirmation → my bookings → cancel', async () => {
  const context = await browser.newContext({ viewport: desktop });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));

  await page.goto(`${stack.url}/register`);
  await page.getByRole('heading', { name: 'Create an account' }).waitFor();
  await checkPage(page, 'register');
  await page.getByLabel('Name').fill('Alice Buyer');
  await page.getByLabel('Email').fill('alice@example.com');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('link', { name: 'Alice Buyer' }).waitFor();

  await page.getByLabel('What').fill('fado');
  await page.getByLabel('City').fill('porto');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: 'Fado by the River' }).waitFor();
  assert.match(page.url(), /\?q=fado&city=porto/);
  await checkPage(page, 'search');

  await page.getByRole('link', { name: 'Fado by the River' }).click();
  await page.waitForURL(`**/events/${eventId}`);
  const seatA3 = page.getByRole('checkbox', { name: 'Row A, seat 3, standard, 35 EUR, available' });
  await seatA3.waitFor();
  await checkPage(page, 'event');
  await seatA3.click();
  await page.getByRole('checkbox', { name: 'Row A, seat 4, standard, 35 EUR, available' }).click();
  assert.equal(await page.getByRole('checkbox', { name: /^Row A, seat 3, .*selected$/ }).getAttribute('aria-checked'), 'true');
  await page.getByRole('button', { name: 'Hold 2 seats' }).click();

  await page.waitForURL('**/holds/*');
  await page.getByText(/Seats held for \d:\d\d/).waitFor();
  await page.getByText('Row A, seat 3 (standard)').waitFor();
  await checkPage(page, 'checkout');
  await page.getByLabel('Card that is approved').check();
  await page.getByRole('button', { name: /^Pay/ }).click();

  await page.getByRole('heading', { name: 'Booking confirmed' }).waitFor();
  const reference = (await page.locator('.reference').textContent())!;
  assert.match(reference, /^BK-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  assert.match(page.url(), new RegExp(`/bookings/${reference}$`));
  await checkPage(page, 'confirmation');

  await page.getByRole('link', { name: 'My bookings' }).click();
  await page.getByRole('heading', { name: 'My bookings' }).waitFor();
  await page.getByText(reference).first().waitFor();
  await checkPage(page, 'my-bookings');
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: `Cancel booking ${reference}` }).click();
  await page.getByText(`Booking ${reference} is cancelled`).waitFor();
  await page.getByText('Cancelled on').waitFor();

  // The seats are on sale again for the next buyer.
  const availability = await stack.call('GET', `/api/booking/events/${eventId}/availability`);
  assert.equal(availability.body.seats.filter((s: { status: string }) => s.status !== 'available').length, 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('search by date range, and "More events" for the next page', async () => {
  // Eleven nights of a series, one a day from 40 days ahead (local noon, so every day boundary is clear).
  const day = (n: number) => new Date(new Date().setHours(12, 0, 0, 0) + n * 86_400_000);
  for (let n = 0; n < 11; n++) {
    const res = await stack.call('POST', '/api/catalog/events', {
      token: seeded.partner.token,
      body: {
        venueId: seeded.venueId,
        title: `Harbour Series night ${n + 1}`,
        startsAt: day(40 + n).toISOString(),
        endsAt: new Date(day(40 + n).getTime() + 2 * 3_600_000).toISOString(),
        priceTiers: [
          { category: 'standard', priceCents: 3000, currency: 'EUR' },
          { category: 'floor', priceCents: 1500, currency: 'EUR' },
        ],
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  const page = await browser.newPage({ viewport: desktop, baseURL: stack.url });
  await page.goto('/?q=series');
  await page.getByText('Showing 10 events.').waitFor();
  await page.getByRole('button', { name: 'More events' }).click();
  await page.getByText('Showing 11 events.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'More events' }).count(), 0, 'no third page');

  const isoDay = (n: number) => {
    const d = day(n);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  };
  await page.getByLabel('From').fill(isoDay(42));
  await page.getByLabel('Until').fill(isoDay(44));
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByText('Showing 3 events.').waitFor();
  assert.deepEqual(await page.locator('.event-card h2').allTextContents(), ['Harbour Series night 3', 'Harbour Series night 4', 'Harbour Series night 5']);
  await page.close();
});

test('a quantity of standing places → hold → pay: the confirmation names them and the next buyer sees fewer places left', async () => {
  const buyer = await registerBuyer(stack, 'Gus');
  const context = await signedInContext(browser, stack, buyer.session);
  const page = await context.newPage();
  await page.goto(`/events/${eventId}`);
  const floor = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Floor' }) });
  await floor.getByText('50 places left.').waitFor();
  await floor.getByLabel('Places').fill('3');
  await floor.getByRole('button', { name: 'Hold 3 places in Floor' }).click();
  await page.waitForURL('**/holds/*');
  await page.getByText('3 × Floor').waitFor();
  await page.getByRole('button', { name: 'Pay €60' }).click();
  await page.getByRole('heading', { name: 'Booking confirmed' }).waitFor();
  await page.getByText('3 × Floor').waitFor();

  const other = await browser.newPage({ viewport: desktop, baseURL: stack.url });
  await other.goto(`/events/${eventId}`);
  await other.getByText('47 places left.').waitFor();
  await Promise.all([other.close(), context.close()]);
});
