/**
 * The account pages (log in, profile, log out, delete account) and the clear
 * messages for a rate limit hit and a service that is down: never a blank
 * page or a raw error.
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

before(async () => {
  // Two hold attempts per client and window: the third is refused.
  [stack, browser] = await Promise.all([startPublicStack({ gatewayEnv: { RATE_LIMIT_HOLDS_PER_CLIENT: '2' } }), launchBrowser()]);
  ({ eventId } = await seedOnSaleEvent(stack, { title: 'Limits Night' }));
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('log in, rename, log out, log in again, delete the account: then it cannot log in any more', async () => {
  const { email, password } = await registerBuyer(stack, 'Dora');
  const context = await browser.newContext({ viewport: desktop, baseURL: stack.url });
  const page = await context.newPage();
  await page.goto('/login');
  await checkPage(page, 'login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not her password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('link', { name: 'Dora' }).click();

  await page.getByRole('heading', { name: 'Your profile' }).waitFor();
  await page.getByText(email).waitFor();
  await checkPage(page, 'profile');
  await page.getByLabel('Name').fill('Dora D.');
  await page.getByRole('button', { name: 'Save name' }).click();
  await page.getByText('Your name is saved.').waitFor();
  await page.getByRole('link', { name: 'Dora D.' }).waitFor();

  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('link', { name: 'Log in' }).waitFor();
  await page.goto('/profile');
  await page.getByRole('heading', { name: 'Please log in' }).waitFor();

  await page.goto('/login?next=%2Fprofile');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Your profile' }).waitFor();
  await page.getByRole('button', { name: 'Delete my account…' }).click();
  await page.getByRole('button', { name: 'Yes, delete my account' }).click();
  await page.getByText('Your account is deleted.').waitFor();
  await page.getByRole('link', { name: 'Log in' }).waitFor();
  assert.equal((await stack.call('POST', '/api/users/auth/login', { body: { email, password } })).status, 401);
  await context.close();
});

test('a rate limit hit is explained, with when to try again', async () => {
  const buyer = await registerBuyer(stack, 'Rita');
  const page = await (await signedInContext(browser, stack, buyer.session)).newPage();
  for (const n of [1, 2]) {
    await page.goto(`/events/${eventId}`);
    await page.getByRole('checkbox', { name: `Row B, seat ${n}, standard, 35 EUR, available` }).click();
    await page.getByRole('button', { name: 'Hold 1 seat' }).click();
    await page.waitForURL('**/holds/*');
  }
  await page.goto(`/events/${eventId}`);
  await page.getByRole('checkbox', { name: 'Row B, seat 3, standard, 35 EUR, available' }).click();
  await page.getByRole('button', { name: 'Hold 1 seat' }).click();
  await page
    .getByRole('alert')
    .filter({ hasText: /^You are sending requests too quickly\. Please try again in \d+ s\.$/ })
    .waitFor();
  await checkPage(page, 'rate-limited');
});

test('a service that is down: the page says so instead of breaking, and the rest of it still works', async () => {
  await stack.services.booking.stop();
  const page = await browser.newPage({ baseURL: stack.url, viewport: desktop });
  await page.goto(`/events/${eventId}`);
  await page.getByRole('heading', { name: 'Limits Night' }).waitFor();
  await page.getByRole('alert').filter({ hasText: 'The service is unavailable right now.' }).waitFor();
  await page.getByText('The seat map appears as soon as it is back.').waitFor();
  await checkPage(page, 'service-unavailable');
});
