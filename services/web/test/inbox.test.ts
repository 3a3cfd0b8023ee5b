/**
 * After a purchase, in a real Chromium: a booking made in the UI yields a PDF
 * whose QR codes the door admits once, one email and one inbox entry; the
 * buyer's inbox shows the confirmation, marks it read when opened, and
 * downloads the tickets PDF with the buyer's session; the email's link leads
 * a signed-out reader to the booking's page and its PDF after log-in.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { qrCodesOfPdf, startPublicStack, startSmtp, waitUntil, type PublicStack, type TestSmtp } from '@ticketing/testing';
import { checkPage, launchBrowser } from './browser.js';
import { registerBuyer, seedOnSaleEvent, signedInContext } from './fixtures.js';

let stack: PublicStack;
let browser: Browser;
let smtp: TestSmtp;

before(async () => {
  smtp = await startSmtp();
  const notificationsEnv = { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), MAIL_POLL_INTERVAL_MS: '100' };
  [stack, browser] = await Promise.all([startPublicStack({ afterPurchase: true, notificationsEnv }), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await stack?.stop();
  await smtp?.stop();
});

/** A new buyer books `seats` seats of a new event through the API; resolves once the confirmation is in their inbox. */
async function bookedAndConfirmed(title: string, name: string, seats: number) {
  const { eventId } = await seedOnSaleEvent(stack, { title });
  const buyer = await registerBuyer(stack, name);
  const token = (buyer.session as { accessToken: string }).accessToken;
  const availability = await stack.call('GET', `/api/booking/events/${eventId}/availability`);
  const seatIds = (availability.body.seats as { seatId: string }[]).slice(0, seats).map((s) => s.seatId);
  const hold = await stack.call('POST', '/api/booking/holds', { token, headers: { 'idempotency-key': randomUUID() }, body: { eventId, seatIds } });
  const paid = await stack.call('POST', `/api/booking/holds/${hold.body.id}/checkout`, {
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: { paymentMethod: 'pm_card_approved' },
  });
  assert.equal(paid.status, 201, JSON.stringify(paid.body));
  const [confirmation] = await waitUntil('the confirmation in the inbox', async () => {
    const items = (await stack.call('GET', '/api/notifications/me/notifications', { token })).body.items;
    return items?.length > 0 && items;
  });
  return { buyer, token, reference: paid.body.reference as string, confirmation };
}

/** Clicks "Download tickets (PDF)" until the tickets are issued; the file saved is a PDF. */
async function downloadsTicketsPdf(page: Page): Promise<Buffer> {
  const pdf = await waitUntil('the tickets PDF', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download tickets (PDF)' }).click()]);
    const file = await download.path();
    return file ? readFile(file) : undefined;
  });
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  return pdf;
}

test('a booking made in the UI: its PDF from the confirmation page, QR codes the door admits once, one email, one inbox entry', async () => {
  const seeded = await seedOnSaleEvent(stack, { title: 'Harbour Lights' });
  const buyer = await registerBuyer(stack, 'Beatriz');
  const context = await signedInContext(browser, stack, buyer.session);
  const page = await context.newPage();
  await page.goto(`/events/${seeded.eventId}`);
  await page.getByRole('checkbox', { name: 'Row A, seat 1, standard, 35 EUR, available' }).click();
  await page.getByRole('checkbox', { name: 'Row A, seat 2, standard, 35 EUR, available' }).click();
  await page.getByRole('button', { name: 'Hold 2 seats' }).click();
  await page.getByLabel('Card that is approved').check();
  await page.getByRole('button', { name: /^Pay/ }).click();
  await page.getByRole('heading', { name: 'Booking confirmed' }).waitFor();
  const reference = (await page.locator('.reference').textContent())!;

  const codes = await qrCodesOfPdf(await downloadsTicketsPdf(page));
  assert.equal(codes.length, 2, 'one QR code per seat');
  for (const code of codes) {
    const scan = (gate: string) => stack.call('POST', `/api/tickets/events/${seeded.eventId}/check-ins`, { token: seeded.partner.token, body: { code, gate } });
    assert.equal((await scan('north')).status, 200, 'admitted');
    const again = await scan('south');
    assert.deepEqual([again.status, again.body.reason], [409, 'already-admitted']);
  }

  const token = (buyer.session as { accessToken: string }).accessToken;
  await waitUntil('the email', async () => smtp.received.some((m) => m.to.includes(buyer.email)));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const mails = smtp.received.filter((m) => m.to.includes(buyer.email));
  assert.equal(mails.length, 1, 'exactly one email');
  assert.ok(mails[0]!.raw.includes(reference));
  const entries = (await stack.call('GET', '/api/notifications/me/notifications', { token })).body.items as { kind: string }[];
  assert.deepEqual(
    entries.map((e) => e.kind),
    ['booking-confirmed'],
    'exactly one inbox entry',
  );
  await context.close();
});

test('inbox: the booking confirmation, read when opened, with its tickets PDF', async () => {
  const { buyer, token, reference } = await bookedAndConfirmed('Fado by the River', 'Inês', 2);

  const context = await signedInContext(browser, stack, buyer.session);
  const page = await context.newPage();
  await page.goto('/');
  await page.getByRole('link', { name: 'Inbox' }).click();
  const subject = page.getByText(`New: Your tickets for Fado by the River (${reference})`);
  await subject.waitFor();
  await checkPage(page, 'inbox');
  await subject.click();
  await page.getByText(`Booking ${reference} is confirmed`).waitFor();
  await waitUntil(
    'the entry to be marked read',
    async () => (await stack.call('GET', '/api/notifications/me/notifications', { token })).body.items[0].readAt !== null,
  );

  await downloadsTicketsPdf(page);
  await context.close();
});

test("the confirmation email's link: a signed-out reader logs in, comes back to the booking and downloads its PDF", async () => {
  const { buyer, reference, confirmation } = await bookedAndConfirmed('Tide and Strings', 'Joana', 1);
  // The email's text is the entry's body: its link is the booking's page on PUBLIC_BASE_URL, opened here on this stack's origin.
  const link = /booking page: (\S+)/.exec(confirmation.body)?.[1];
  assert.ok(link, confirmation.body);
  const { pathname } = new URL(link);
  assert.equal(pathname, `/bookings/${reference}`);

  const context = await browser.newContext({ baseURL: stack.url, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(pathname);
  await page.getByRole('heading', { name: 'Please log in' }).waitFor();
  await page.locator('main').getByRole('link', { name: 'Log in' }).click();
  await page.getByLabel('Email').fill(buyer.email);
  await page.getByLabel('Password').fill(buyer.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Booking confirmed' }).waitFor();
  assert.equal(new URL(page.url()).pathname, pathname, 'back on the booking after logging in');
  await downloadsTicketsPdf(page);
  await context.close();

  const other = await registerBuyer(stack, 'Other');
  const otherPage = await (await signedInContext(browser, stack, other.session)).newPage();
  await otherPage.goto(pathname);
  await otherPage.getByText('There is no booking with this reference in your account.').waitFor();
  assert.equal(await otherPage.getByRole('button', { name: 'Download tickets (PDF)' }).count(), 0, 'nothing to download for anyone else');
  await otherPage.context().close();
});
