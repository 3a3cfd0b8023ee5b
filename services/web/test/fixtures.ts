import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { PublicStack } from '@ticketing/testing';
import { desktop } from './browser.js';

/** A partner (own organization), a venue with two seated rows and a standing floor, and an event on sale at it. */
export async function seedOnSaleEvent(stack: PublicStack, options: { title: string; city?: string; rows?: number; seatsPerRow?: number }) {
  const email = `partner-${randomUUID().slice(0, 8)}@example.com`;
  const password = 'a long partner password';
  await stack.createPartner({ email, password, displayName: 'Pat Partner', organization: `Org ${randomUUID().slice(0, 6)}` });
  const token = await stack.logIn(email, password);
  const rows = Array.from({ length: options.rows ?? 2 }, (_, i) => ({ row: String.fromCharCode(65 + i), seats: options.seatsPerRow ?? 8 }));
  const venue = await stack.call('POST', '/api/catalog/venues', {
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: {
      name: 'Harbour Arena',
      city: options.city ?? 'Porto',
      timezone: 'Europe/Lisbon',
      sections: [
        { name: 'Stalls', kind: 'seated', category: 'standard', rows },
        { name: 'Floor', kind: 'general_admission', category: 'floor', capacity: 50 },
      ],
    },
  });
  if (venue.status !== 201) throw new Error(`venue: ${venue.status} ${JSON.stringify(venue.body)}`);
  const startsAt = new Date(Date.now() + 30 * 86_400_000);
  const event = await stack.call('POST', '/api/catalog/events', {
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: {
      venueId: venue.body.id,
      title: options.title,
      description: 'Songs of the sea',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 3 * 3_600_000).toISOString(),
      priceTiers: [
        { category: 'standard', priceCents: 3500, currency: 'EUR' },
        { category: 'floor', priceCents: 2000, currency: 'EUR' },
      ],
    },
  });
  if (event.status !== 201) throw new Error(`event: ${event.status} ${JSON.stringify(event.body)}`);
  return { eventId: event.body.id as string, venueId: venue.body.id as string, partner: { email, password, token } };
}

/** A new buyer account, registered through the API. */
export async function registerBuyer(stack: PublicStack, name: string): Promise<{ email: string; password: string; session: unknown }> {
  const email = `${name.toLowerCase().replace(/\W+/g, '-')}-${randomUUID().slice(0, 6)}@example.com`;
  const password = 'correct horse battery';
  const res = await stack.call('POST', '/api/users/auth/register', { body: { email, password, displayName: name } });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
  return { email, password, session: res.body };
}

/** A browser context already signed in with `session` (as the UI stores it after logging in), for tests not about logging in. */
export async function signedInContext(browser: Browser, stack: PublicStack, session: unknown, viewport = desktop): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, baseURL: stack.url });
  await context.addInitScript(
    ([origin, value]) => {
      // Runs in the page (a browser global scope), not in Node.
      const page = globalThis as unknown as { location: { origin: string }; localStorage: { setItem(key: string, value: string): void } };
      if (page.location.origin === origin) page.localStorage.setItem('ticketing.session', value);
    },
    [new URL(stack.url).origin, JSON.stringify(session)] as const,
  );
  return context;
}

/** A page signed in as `partner` (logged in through the API, as the UI stores it), open at `/organizer`. */
export async function organizerPage(
  browser: Browser,
  stack: PublicStack,
  partner: { email: string; password: string },
): Promise<{ context: BrowserContext; page: Page }> {
  const session = await stack.call('POST', '/api/users/auth/login', { body: { email: partner.email, password: partner.password } });
  if (session.status !== 200) throw new Error(`log-in: ${session.status} ${JSON.stringify(session.body)}`);
  const context = await signedInContext(browser, stack, session.body);
  const page = await context.newPage();
  await page.goto('/organizer');
  return { context, page };
}

/** A new partner (own organization) logged in through the log-in page in a browser whose clock is `timezoneId`; lands on `next`. */
export async function partnerInBrowser(
  browser: Browser,
  stack: PublicStack,
  options: { displayName: string; organization: string; timezoneId: string; next?: string },
): Promise<{ email: string; password: string; context: BrowserContext; page: Page }> {
  const email = `organizer-${randomUUID().slice(0, 6)}@example.com`;
  const password = 'a long partner password';
  await stack.createPartner({ email, password, displayName: options.displayName, organization: options.organization });
  const context = await browser.newContext({ viewport: desktop, baseURL: stack.url, timezoneId: options.timezoneId });
  const page = await context.newPage();
  await page.goto(options.next ? `/login?next=${encodeURIComponent(options.next)}` : '/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  return { email, password, context, page };
}
