/**
 * What the checkout page tells a buyer when it does not simply work: the
 * hold runs out (a countdown to zero, then a clear message and the seats back
 * on sale), the card is declined, the provider times out, and an asynchronous
 * payment that the bank confirms later. Short holds and payment timeouts.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startPublicStack, testSecrets, type PublicStack } from '@ticketing/testing';
import { checkPage, launchBrowser } from './browser.js';
import { registerBuyer, seedOnSaleEvent, signedInContext } from './fixtures.js';

let stack: PublicStack;
let browser: Browser;
let eventId: string;
let page: Page;
let buyerToken: string;

before(async () => {
  [stack, browser] = await Promise.all([startPublicStack({ env: { HOLD_TTL_SECONDS: '6', PAYMENT_TIMEOUT_MS: '400' } }), launchBrowser()]);
  ({ eventId } = await seedOnSaleEvent(stack, { title: 'Outcomes Night' }));
  const buyer = await registerBuyer(stack, 'Cleo');
  buyerToken = (buyer.session as { accessToken: string }).accessToken;
  page = await (await signedInContext(browser, stack, buyer.session)).newPage();
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

const seat = (n: number, state: string) => page.getByRole('checkbox', { name: `Row A, seat ${n}, standard, 35 EUR, ${state}` });

/** Holds seat A<n> through the event page and lands on checkout. */
async function holdSeat(n: number): Promise<void> {
  await page.goto(`/events/${eventId}`);
  await seat(n, 'available').click();
  await page.getByRole('button', { name: 'Hold 1 seat' }).click();
  await page.waitForURL('**/holds/*');
  await page.getByRole('button', { name: /^Pay/ }).waitFor();
}

/** The way back after a failed checkout: the seat is on sale again. */
async function backToSeat(n: number): Promise<void> {
  await page.getByRole('link', { name: 'Choose seats again' }).click();
  await seat(n, 'available').waitFor({ timeout: 3_000 });
}

test('the hold counts down; when it runs out the buyer is told, cannot pay, and the seat is on sale again', async () => {
  await holdSeat(1);
  await page.getByText(/Seats held for 0:0[0-6]/).waitFor();
  await page.getByRole('alert').filter({ hasText: 'Your hold has expired and the seats were released.' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.getByRole('button', { name: /^Pay/ }).count(), 0);
  await checkPage(page, 'checkout-expired');
  await backToSeat(1);
});

test('a declined card: a clear message, nothing charged, the seat released', async () => {
  await holdSeat(2);
  await page.getByLabel('Card that is declined').check();
  await page.getByRole('button', { name: /^Pay/ }).click();
  await page.getByRole('alert').filter({ hasText: 'Your payment was declined and you have not been charged.' }).waitFor();
  await checkPage(page, 'checkout-declined');
  await backToSeat(2);
});

test('a provider that does not answer: a time-out message, the seat released', async () => {
  await holdSeat(3);
  await page.getByLabel('Card whose bank does not answer (time-out)').check();
  await page.getByRole('button', { name: /^Pay/ }).click();
  await page.getByRole('alert').filter({ hasText: 'The payment provider did not answer in time. You have not been charged' }).waitFor();
  await backToSeat(3);
});

test('an asynchronous payment waits for the bank; its approval (the webhook) leads to the confirmation', async () => {
  await holdSeat(4);
  await page.getByLabel('Card confirmed later by the bank (asynchronous)').check();
  await page.getByRole('button', { name: /^Pay/ }).click();
  await page.getByText('Waiting for your bank to confirm the payment…').waitFor();
  const holdId = page.url().split('/').pop()!;
  const hold = await stack.call('GET', `/api/booking/holds/${holdId}`, {
    token: buyerToken,
  });
  const body = JSON.stringify({ paymentId: hold.body.payment.id, outcome: 'approved' });
  const signature = `sha256=${createHmac('sha256', testSecrets.PAYMENT_WEBHOOK_SECRET).update(body).digest('hex')}`;
  const webhook = await stack.call('POST', '/api/booking/payments/webhook', {
    rawBody: body,
    headers: { 'content-type': 'application/json', 'x-signature': signature },
  });
  assert.equal(webhook.status, 200, JSON.stringify(webhook.body));
  await page.getByRole('heading', { name: 'Booking confirmed' }).waitFor({ timeout: 5_000 });
});
