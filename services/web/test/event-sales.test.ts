/**
 * An organizer watches an event's sales page while a buyer books through the
 * API: the per-minute chart, its table and the totals follow the analytics
 * stream within seconds, without a reload. Another partner is told the
 * event is not theirs; with analytics down the page says so.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startPublicStack, type PublicStack } from '@ticketing/testing';
import { checkPage, launchBrowser } from './browser.js';
import { registerBuyer, seedOnSaleEvent, signedInContext } from './fixtures.js';

let stack: PublicStack;
let browser: Browser;

before(async () => {
  [stack, browser] = await Promise.all([startPublicStack({ analytics: true }), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

async function partnerSession(email: string, password: string): Promise<unknown> {
  const res = await stack.call('POST', '/api/users/auth/login', { body: { email, password } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** The figure shown under a totals heading, once it reads `value`. */
const total = (page: Page, name: string, value: string, timeout?: number) =>
  page
    .locator('.sales-totals > div', { has: page.getByText(name, { exact: true }) })
    .locator('dd', { hasText: value })
    .waitFor({ timeout: timeout ?? 5_000 });

test('the chart, its table and the totals follow a booking made through the API within seconds, without a reload', async () => {
  const title = 'Onsale Watch';
  const { eventId, partner } = await seedOnSaleEvent(stack, { title });
  const context = await signedInContext(browser, stack, await partnerSession(partner.email, partner.password));
  const page = await context.newPage();
  await page.goto('/organizer');
  await page.getByRole('link', { name: `Live chart of ${title}` }).click();
  await page.getByRole('heading', { name: `Sales of ${title}` }).waitFor();
  await page.getByText('Live: figures update as tickets sell.').waitFor();
  await total(page, 'Tickets sold', '0');
  await page.getByText('No sales or holds yet.').waitFor();
  const chart = page.getByRole('group', { name: 'Tickets sold per minute, the last 30 minutes' });
  assert.equal(await chart.getByRole('img').count(), 30, 'a bar, named, for every minute');
  assert.equal(await chart.getByRole('img', { name: /: no tickets sold$/ }).count(), 30);
  // Gone if the page reloaded.
  await page.evaluate(() => Object.assign(globalThis, { stayedOnPage: true }));

  const buyer = await registerBuyer(stack, 'Bruno');
  const buyerToken = (buyer.session as { accessToken: string }).accessToken;
  const seats = await stack.call('GET', `/api/booking/events/${eventId}/availability`);
  const hold = await stack.call('POST', '/api/booking/holds', {
    token: buyerToken,
    body: { eventId, seatIds: seats.body.seats.slice(0, 2).map((s: { seatId: string }) => s.seatId) },
  });
  assert.equal(hold.status, 201, JSON.stringify(hold.body));
  // The first message also shows the stream job has joined its consumer group, which may take a while on a fresh group.
  await total(page, 'Holds created', '1', 60_000);

  const booking = await stack.call('POST', `/api/booking/holds/${hold.body.id}/checkout`, { token: buyerToken, body: { paymentMethod: 'pm_card_approved' } });
  assert.equal(booking.status, 201, JSON.stringify(booking.body));
  const bookedAt = performance.now();
  await chart.getByRole('img', { name: /: 2 tickets sold$/ }).waitFor({ timeout: 5_000 });
  await total(page, 'Tickets sold', '2');
  await total(page, 'Revenue', '€70');
  await total(page, 'Holds converted', '1 (100 %)');
  const row = page.getByRole('region', { name: 'Sales per minute, as a table' }).getByRole('row').nth(1);
  assert.deepEqual(await row.getByRole('cell').allInnerTexts(), ['2', '0', '1', '1', '€70']);
  const seconds = (performance.now() - bookedAt) / 1000;
  assert.ok(seconds < 5, `chart and totals updated ${seconds.toFixed(1)} s after the booking`);
  assert.equal(await page.evaluate(() => (globalThis as { stayedOnPage?: boolean }).stayedOnPage), true, 'no reload');
  await checkPage(page, 'event-sales');

  // Another organization's partner gets no figures, by link or typed URL.
  const other = `other-${eventId.slice(0, 6)}@example.com`;
  await stack.createPartner({ email: other, password: 'a long partner password', displayName: 'Otto', organization: 'Other Org' });
  const otherContext = await signedInContext(browser, stack, await partnerSession(other, 'a long partner password'));
  const otherPage = await otherContext.newPage();
  await otherPage.goto(`/organizer/events/${eventId}/sales`);
  await otherPage.getByText('This event is not one of yours: only its organizer can see its sales.').waitFor();
  assert.equal(await otherPage.getByText('Tickets sold', { exact: true }).count(), 0);
  await checkPage(otherPage, 'event-sales-not-yours');
  await Promise.all([context.close(), otherContext.close()]);
});

test('with analytics down, the sales page says the figures are unavailable', async () => {
  const { eventId, partner } = await seedOnSaleEvent(stack, { title: 'Quiet Night' });
  await stack.services.analytics!.stop();
  const context = await signedInContext(browser, stack, await partnerSession(partner.email, partner.password));
  const page = await context.newPage();
  await page.goto(`/organizer/events/${eventId}/sales`);
  await page.getByText('Sales figures are unavailable right now').waitFor();
  await checkPage(page, 'event-sales-unavailable');
  await context.close();
});
