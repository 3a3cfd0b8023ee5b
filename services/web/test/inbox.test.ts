/**
 * After a purchase, in a real Chromium: the buyer's inbox shows the one
 * confirmation the notifications service recorded, marks it read when opened,
 * and downloads the tickets PDF with the buyer's session.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startPublicStack, waitUntil, type PublicStack } from '@ticketing/testing';
import { checkPage, launchBrowser } from './browser.js';
import { registerBuyer, seedOnSaleEvent, signedInContext } from './fixtures.js';

let stack: PublicStack;
let browser: Browser;

before(async () => {
  [stack, browser] = await Promise.all([startPublicStack({ afterPurchase: true }), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('inbox: the booking confirmation, read when opened, with its tickets PDF', async () => {
  const { eventId } = await seedOnSaleEvent(stack, { title: 'Fado by the River' });
  const buyer = await registerBuyer(stack, 'Inês');
  const token = (buyer.session as { accessToken: string }).accessToken;
  const availability = await stack.call('GET', `/api/booking/events/${eventId}/availability`);
  const seatIds = (availability.body.seats as { seatId: string }[]).slice(0, 2).map((s) => s.seatId);
  const hold = await stack.call('POST', '/api/booking/holds', { token, headers: { 'idempotency-key': randomUUID() }, body: { eventId, seatIds } });
  const paid = await stack.call('POST', `/api/booking/holds/${hold.body.id}/checkout`, {
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: { paymentMethod: 'pm_card_approved' },
  });
  assert.equal(paid.status, 201, JSON.stringify(paid.body));
  await waitUntil(
    'the confirmation in the inbox',
    async () => (await stack.call('GET', '/api/notifications/me/notifications', { token })).body.items?.length > 0,
  );

  const context = await signedInContext(browser, stack, buyer.session);
  const page = await context.newPage();
  await page.goto('/');
  await page.getByRole('link', { name: 'Inbox' }).click();
  const subject = page.getByText(`New: Your tickets for Fado by the River (${paid.body.reference})`);
  await subject.waitFor();
  await checkPage(page, 'inbox');
  await subject.click();
  await page.getByText(`Booking ${paid.body.reference} is confirmed`).waitFor();
  await waitUntil(
    'the entry to be marked read',
    async () => (await stack.call('GET', '/api/notifications/me/notifications', { token })).body.items[0].readAt !== null,
  );

  const pdf = await waitUntil('the tickets PDF', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download tickets (PDF)' }).click()]);
    const file = await download.path();
    return file ? readFile(file) : undefined;
  });
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  await context.close();
});
