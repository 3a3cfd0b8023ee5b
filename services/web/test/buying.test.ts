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
import { seedOnSaleEvent } from './fixtures.js';

let stack: PublicStack;
let browser: Browser;
let eventId: string;

before(async () => {
  [stack, browser] = await Promise.all([startPublicStack(), launchBrowser()]);
  ({ eventId } = await seedOnSaleEvent(stack, { title: 'Fado by the River' }));
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
