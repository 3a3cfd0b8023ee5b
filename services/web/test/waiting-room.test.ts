/**
 * The queue page of an event's waiting room, in the browser: a buyer waits
 * behind the one shopper the room lets in at a time, sees the position and
 * an honest estimate, keeps the place on a reload and in a second tab, is
 * let in live (SSE) the moment the shopper leaves, and holds seats with the
 * pass; a closed queue says so.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startPublicStack, waitUntil, type PublicStack } from '@ticketing/testing';
import { checkPage, launchBrowser } from './browser.js';
import { registerBuyer, seedOnSaleEvent, signedInContext } from './fixtures.js';

let stack: PublicStack;
let browser: Browser;

before(async () => {
  [stack, browser] = await Promise.all([startPublicStack(), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

const tokenOf = (session: unknown) => (session as { accessToken: string }).accessToken;

test('waiting, a reload and a second tab keep the place, admission arrives live, and the pass holds seats', async () => {
  const { eventId, partner } = await seedOnSaleEvent(stack, { title: 'Queued Night' });
  const room = `/api/waiting-room/events/${eventId}`;
  const setUp = await stack.call('PUT', room, {
    token: partner.token,
    body: { onsaleAt: new Date(Date.now() - 60_000).toISOString(), maxConcurrentShoppers: 1, shoppingSeconds: 600, open: true },
  });
  assert.equal(setUp.status, 201, JSON.stringify(setUp.body));
  // Someone is shopping already: the one slot is taken.
  const shopper = await registerBuyer(stack, 'Sam');
  assert.equal((await stack.call('POST', `${room}/queue`, { token: tokenOf(shopper.session) })).status, 201);
  await waitUntil(
    'the shopper admitted',
    async () => (await stack.call('GET', `${room}/queue/me`, { token: tokenOf(shopper.session) })).body.state === 'admitted',
  );

  const buyer = await registerBuyer(stack, 'Rita');
  const context = await signedInContext(browser, stack, buyer.session);
  const page = await context.newPage();
  // Trying to hold first: booking refuses without a pass, and the page sends her to the queue.
  await page.goto(`/events/${eventId}`);
  await page.getByRole('link', { name: 'join the queue' }).waitFor();
  await page.getByRole('checkbox', { name: /^Row A, seat 1,/ }).click();
  await page.getByRole('button', { name: 'Hold 1 seat' }).click();
  await page.waitForURL(`**/events/${eventId}/queue`);
  await page.getByRole('heading', { name: 'You are in the queue' }).waitFor();
  const place = page.getByRole('region', { name: 'Your place' });
  assert.match(await place.innerText(), /Your position: 1 of 1/);
  assert.match(await place.innerText(), /at most 10 minutes/);
  await checkPage(page, 'queue-waiting');

  await page.reload();
  await page.getByText('Your position: 1 of 1').waitFor();
  const secondTab = await context.newPage();
  await secondTab.goto(`/events/${eventId}/queue`);
  await secondTab.getByText('Your position: 1 of 1').waitFor();
  assert.equal(await place.getAttribute('data-live'), 'stream');

  // The shopper leaves: the slot is hers, on both tabs, without a reload.
  assert.equal((await stack.call('DELETE', `${room}/queue/me`, { token: tokenOf(shopper.session) })).status, 204);
  const left = Date.now();
  await page.getByRole('heading', { name: 'It is your turn' }).waitFor({ timeout: 5_000 });
  await secondTab.getByRole('heading', { name: 'It is your turn' }).waitFor({ timeout: 5_000 });
  assert.ok(Date.now() - left < 5_000);
  await page.getByText(/You were let in at/).waitFor();
  await checkPage(page, 'queue-admitted');

  await page.getByRole('link', { name: 'Choose your seats' }).click();
  await page.getByRole('checkbox', { name: /^Row A, seat 1,/ }).click();
  await page.getByRole('button', { name: 'Hold 1 seat' }).click();
  await page.waitForURL('**/holds/*');
});

test('a closed queue says so to a newcomer', async () => {
  const { eventId, partner } = await seedOnSaleEvent(stack, { title: 'Closed Night' });
  await stack.call('PUT', `/api/waiting-room/events/${eventId}`, {
    token: partner.token,
    body: { onsaleAt: new Date(Date.now() + 3_600_000).toISOString(), admissionPerMinute: 60, shoppingSeconds: 600, open: false },
  });
  const buyer = await registerBuyer(stack, 'Nia');
  const page = await (await signedInContext(browser, stack, buyer.session)).newPage();
  await page.goto(`/events/${eventId}/queue`);
  await page.getByText('The queue for this event is closed').waitFor();
  await checkPage(page, 'queue-closed');
});
