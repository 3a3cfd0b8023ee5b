/**
 * The whole booking flow with the keyboard alone (no mouse, no clicks):
 * search, open the event, move over the seat map with the arrow keys, pick
 * two seats with Space, hold, pay, and reach the confirmation; focus is
 * always visible.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startPublicStack, type PublicStack } from '@ticketing/testing';
import { launchBrowser, screenshots } from './browser.js';
import { registerBuyer, seedOnSaleEvent, signedInContext } from './fixtures.js';

let stack: PublicStack;
let browser: Browser;

before(async () => {
  [stack, browser] = await Promise.all([startPublicStack(), launchBrowser()]);
  await seedOnSaleEvent(stack, { title: 'Keyboard Concert', rows: 3, seatsPerRow: 6 });
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** The focused element's accessible name (aria-label, else its text) and whether it shows a focus indicator. */
function focused(page: Page): Promise<{ name: string; outlined: boolean }> {
  // Evaluated in the page (a string: this file is compiled without the DOM's types).
  return page.evaluate(`(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { name: '', outlined: false };
    const style = getComputedStyle(el);
    const label = el.labels && el.labels[0] ? el.labels[0].textContent : null;
    return {
      name: (el.getAttribute('aria-label') ?? label ?? el.textContent ?? '').trim(),
      outlined: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    };
  })()`);
}

/** Presses Tab until the focused control's name matches; fails after `max` presses. */
async function tabTo(page: Page, name: RegExp, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    if (name.test(now.name)) {
      assert.ok(now.outlined, `focus on "${now.name}" is visible`);
      return;
    }
  }
  throw new Error(`Tab never reached ${name}`);
}

test('search → seats → hold → pay → confirmation, by keyboard only', async () => {
  const buyer = await registerBuyer(stack, 'Kim');
  const page = await (await signedInContext(browser, stack, buyer.session)).newPage();
  await page.goto('/');
  await page.getByRole('heading', { name: 'Find events' }).waitFor();

  await tabTo(page, /^Skip to content$/);
  await tabTo(page, /^What$/);
  await page.keyboard.type('keyboard');
  await page.keyboard.press('Enter');
  await page.getByRole('link', { name: 'Keyboard Concert' }).waitFor();
  await tabTo(page, /^Keyboard Concert$/);
  await page.keyboard.press('Enter');

  // One tab stop for the whole map; arrows move, Space picks.
  await page.getByRole('checkbox', { name: /^Row A, seat 1,/ }).waitFor();
  await tabTo(page, /^Row A, seat 1, standard, 35 EUR, available$/);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  assert.equal((await focused(page)).name, 'Row B, seat 2, standard, 35 EUR, available');
  await page.keyboard.press('Space');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  assert.equal((await focused(page)).name, 'Row B, seat 3, standard, 35 EUR, selected');
  await page.getByRole('checkbox', { name: 'Row B, seat 2, standard, 35 EUR, selected' }).waitFor();
  await page.keyboard.press('End');
  assert.equal((await focused(page)).name, 'Row B, seat 6, standard, 35 EUR, available');
  await screenshots(page, 'event-keyboard');

  await tabTo(page, /^Hold 2 seats$/);
  await page.keyboard.press('Enter');
  await page.waitForURL('**/holds/*');
  await page.getByText('Row B, seat 2 (standard)').waitFor();
  // The payment methods are one radio group (one tab stop; arrows choose): the approved card is chosen first.
  await tabTo(page, /^Card that is approved$/);
  await tabTo(page, /^Pay €70$/);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Booking confirmed' }).waitFor();
  assert.match((await page.locator('.reference').textContent()) ?? '', /^BK-/);
});
