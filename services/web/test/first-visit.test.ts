/**
 * A newcomer's first visit, as after `npm start`: the demo catalog npm start
 * prepares is on the front page without searching; they pick a seat on the
 * map, are asked to log in, create an account instead, come back to the same
 * seat still picked, hold it, pay and get the booking reference.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startPublicStack, type PublicStack } from '@ticketing/testing';
import { ensureDemoCatalog, demoEvents, demoVenue } from '../../../scripts/local-stack/demo-catalog.js';
import { assertAccessible, checkPage, desktop, launchBrowser, phone, screenshotDir, screenshots } from './browser.js';

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
  for (const tier of ['premium: €55', 'standard: €35', 'balcony: €25', 'floor: €20']) await page.getByRole('listitem').filter({ hasText: tier }).waitFor();
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

test('on a phone: the search text field has a row of its own, and the seat map opens at its middle, facing the stage', async () => {
  const page = await browser.newPage({ viewport: phone, baseURL: stack.url });
  await page.goto('/');
  await page.getByText(`Showing ${demoEvents.length} events.`).waitFor();
  for (const size of [phone, desktop]) {
    await page.setViewportSize(size);
    const [field, form] = await Promise.all([page.getByLabel('What').boundingBox(), page.getByRole('search').boundingBox()]);
    assert.ok(field && form && field.width >= form.width - 1, `at ${size.width} px the text field is ${field?.width} of ${form?.width} px wide`);
  }
  await page.setViewportSize(phone);
  await page.getByRole('link', { name: demoEvents[0].title }).click();
  await page.getByRole('checkbox', { name: /^Row A, seat 1,/ }).waitFor();
  const scroll = await page.evaluate(`(() => {
    const el = document.querySelector('.seat-map-scroll');
    return { left: el.scrollLeft, room: el.scrollWidth - el.clientWidth };
  })()`);
  const { left, room } = scroll as { left: number; room: number };
  assert.ok(room > 0, 'the map is wider than a phone');
  assert.ok(Math.abs(left - room / 2) <= 2, `scrolled to ${left} of ${room}`);
  await page.close();
});

test('the checks every page gets can fail: axe-core finds an unnamed control; screenshots are written at both sizes', async () => {
  const page = await browser.newPage({ viewport: desktop });
  await page.setContent('<!doctype html><html lang="en"><title>t</title><main><input type="text"><button></button></main></html>');
  await assert.rejects(assertAccessible(page, 'a bad page'), /critical button-name|serious label|critical label/);
  await screenshots(page, 'self-check');
  for (const [label, size] of [
    ['desktop', desktop],
    ['phone', phone],
  ] as const) {
    const png = readFileSync(join(screenshotDir, `self-check.${label}.png`));
    assert.equal(png.readUInt32BE(16), size.width, `${label} screenshot width`);
  }
  await page.close();
});
