/**
 * A newcomer's first visit, as after `npm start`: the demo catalog npm start
 * prepares is on the front page without searching; they pick a seat on the
 * map, are asked to log in, create an account instead, come back to the same
 * seat still picked, hold it, pay and get the booking reference.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startPublicStack, type PublicStack } from '@ticketing/testing';
import { ensureDemoCatalog, demoEvents, demoVenue } from '../../../scripts/local-stack/demo-catalog.js';
import { checkPage, desktop, launchBrowser } from './browser.js';

let stack: PublicStack;
let browser: Browser;

before(async () => {
  [stack, browser] = await Promise.all([startPublicStack(), launchBrowser()]);
  const organizer = { email: 'organizer@example.com', password: 'demo organizer password' };
  await stack.createPartner({ ...organizer, displayName: 'Demo Organizer', organization: 'Demo Events' });
  await ensureDemoCatalog({ usersUrl: `${stack.url}/api/users`, catalogUrl: `${stack.url}/api/catalog`, ...organizer });
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('the front page lists the demo events; a newcomer registers on the way and buys a seat on the map', async () => {
  const context = await browser.newContext({ viewport: desktop, baseURL: stack.url });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));

  await page.goto('/');
  await page.getByText(`Showing ${demoEvents.length} events.`).waitFor();
  assert.deepEqual(
    await page.locator('.event-card h2').allTextContents(),
    demoEvents.map((e) => e.title),
  );
  await checkPage(page, 'home');

  await page.getByRole('link', { name: demoEvents[0].title }).click();
  await page.getByText(`${demoVenue.name}, ${demoVenue.address}, ${demoVenue.city}`).waitFor();
  const seat = (state: string) => page.getByRole('checkbox', { name: `Row A, seat 6, premium, 55 EUR, ${state}` });
  await seat('available').click();
  await page.getByRole('heading', { name: 'Standing floor' }).waitFor();
  await page.getByText('floor, €20 each. 150 places left.').waitFor();
  await checkPage(page, 'event-demo');
  await page.getByRole('button', { name: 'Hold 1 seat' }).click();

  // Not logged in: to the log-in page, and from there to registration, keeping the way back.
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByRole('heading', { name: 'Create an account' }).waitFor();
  // Its own link to the log-in keeps the way back too.
  assert.match((await page.getByRole('link', { name: 'Log in' }).last().getAttribute('href')) ?? '', /^\/login\?next=%2Fevents%2F/);
  await page.getByLabel('Name').fill('Nora Newcomer');
  await page.getByLabel('Email').fill('nora@example.com');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Create account' }).click();

  // Back on the event, the seat still picked.
  await seat('selected').waitFor();
  await page.getByText('1 seat: Row A, seat 6. Total €55').waitFor();
  await page.getByRole('button', { name: 'Hold 1 seat' }).click();
  await page.waitForURL('**/holds/*');
  await page.getByRole('button', { name: 'Pay €55' }).click();
  await page.getByRole('heading', { name: 'Booking confirmed' }).waitFor();
  assert.match((await page.locator('.reference').textContent()) ?? '', /^BK-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  assert.deepEqual(problems, []);
  await context.close();
});
