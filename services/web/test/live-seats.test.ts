/**
 * Two buyers on the same seat map, each in a browser context of their own:
 * what one takes turns unavailable on the other's map within 2 s without a
 * reload (the availability stream through the gateway), and when both go for
 * the same seat at once exactly one gets it and the other is told clearly.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startPublicStack, type PublicStack } from '@ticketing/testing';
import { checkPage, launchBrowser } from './browser.js';
import { registerBuyer, seedOnSaleEvent, signedInContext } from './fixtures.js';

let stack: PublicStack;
let browser: Browser;
let eventId: string;
let pages: [Page, Page];

before(async () => {
  [stack, browser] = await Promise.all([startPublicStack(), launchBrowser()]);
  ({ eventId } = await seedOnSaleEvent(stack, { title: 'Contested Night' }));
  const buyers = await Promise.all([registerBuyer(stack, 'Ana'), registerBuyer(stack, 'Ben')]);
  const contexts = await Promise.all(buyers.map((b) => signedInContext(browser, stack, b.session)));
  pages = (await Promise.all(contexts.map((c) => c.newPage()))) as [Page, Page];
  await Promise.all(pages.map((page) => page.goto(`/events/${eventId}`)));
  await Promise.all(pages.map((page) => page.getByRole('checkbox', { name: /^Row A, seat 1,/ }).waitFor()));
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

const seat = (page: Page, row: string, n: number, state: 'available' | 'unavailable' | 'selected') =>
  page.getByRole('checkbox', { name: `Row ${row}, seat ${n}, standard, 35 EUR, ${state}` });

test("a seat one buyer holds turns unavailable on the other's map within 2 s, without a reload", async () => {
  const [ana, ben] = pages;
  // The map follows the availability stream (not polling).
  assert.equal(await ben.getByRole('region', { name: 'Your selection' }).getAttribute('data-live'), 'stream');
  await seat(ben, 'B', 2, 'available').click();
  await seat(ben, 'B', 2, 'selected').waitFor();
  await seat(ana, 'B', 2, 'available').click();
  const clickedAt = Date.now();
  await ana.getByRole('button', { name: 'Hold 1 seat' }).click();
  await ana.waitForURL('**/holds/*');

  await seat(ben, 'B', 2, 'unavailable').waitFor({ timeout: 2_000 });
  assert.ok(Date.now() - clickedAt < 2_500);
  // Ben had it selected: it leaves his selection, and he is told why.
  await ben.getByText('Row B, seat 2 was just taken by someone else.').waitFor();
  assert.equal(await ben.getByRole('button', { name: /^Hold/ }).first().isDisabled(), true);
  await checkPage(ben, 'event-seat-taken');
});

test('both buyers hold the same seat at once: exactly one wins, the other sees a clear message and the seat unavailable', async () => {
  const [ana, ben] = pages;
  await ana.goto(`/events/${eventId}`);
  await Promise.all(pages.map((page) => seat(page, 'A', 5, 'available').click()));
  await Promise.all(pages.map((page) => seat(page, 'A', 5, 'selected').waitFor()));

  // Whoever is a moment late either gets the 409 or sees the seat go first (the stream); both are told. A late click may
  // find the button already disabled.
  await Promise.all(
    pages.map((page) =>
      page
        .getByRole('button', { name: 'Hold 1 seat' })
        .click({ timeout: 2_000 })
        .catch(() => undefined),
    ),
  );
  const outcomes = await Promise.all(
    pages.map((page) =>
      Promise.race([
        page.waitForURL('**/holds/*').then(() => 'won' as const),
        page
          .getByRole('alert')
          .filter({ hasText: /someone else just took|just taken by someone else/ })
          .waitFor()
          .then(() => 'lost' as const),
      ]),
    ),
  );
  assert.deepEqual([...outcomes].sort(), ['lost', 'won']);
  const loser = outcomes[0] === 'lost' ? ana : ben;
  await seat(loser, 'A', 5, 'unavailable').waitFor({ timeout: 2_000 });

  const availability = await stack.call('GET', `/api/booking/events/${eventId}/availability`);
  const held = availability.body.seats.filter((s: { status: string }) => s.status === 'held');
  assert.equal(held.length, 2, 'B2 from the first test and A5: one hold each, never two');
});
