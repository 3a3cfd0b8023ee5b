/**
 * The browser the UI tests drive: Debian's Chromium through playwright-core
 * (installed with apt-get when missing), with checks every page gets —
 * axe-core (no serious or critical violation) and screenshots at desktop and
 * phone size into .local/screenshots/web/ (git-ignored) for a person to look at.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureChromiumInstalled } from '../../../scripts/local-stack/chromium.js';
import { localDir } from '../../../scripts/local-stack/paths.js';

export const screenshotDir = join(localDir, 'screenshots', 'web');
export const desktop = { width: 1280, height: 800 };
export const phone = { width: 390, height: 844 };

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export async function launchBrowser(): Promise<Browser> {
  const executablePath = await ensureChromiumInstalled({ log: (line) => process.stderr.write(`${line}\n`) });
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
}

/** Runs axe-core on the page as it is now; fails naming every serious or critical violation. */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  // evaluate() is not subject to the page's CSP (a script tag would be).
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => (globalThis as unknown as { axe: { run(): Promise<AxeResult> } }).axe.run());
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length > 0) {
    const lines = bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`);
    throw new Error(`accessibility violations on ${what}:\n${lines.join('\n')}`);
  }
}

/** Full-page screenshots at desktop and phone size: <name>.desktop.png, <name>.phone.png. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  const original = page.viewportSize() ?? desktop;
  for (const [label, size] of [
    ['desktop', desktop],
    ['phone', phone],
  ] as const) {
    await page.setViewportSize(size);
    await page.screenshot({ path: join(screenshotDir, `${name}.${label}.png`), fullPage: true });
  }
  await page.setViewportSize(original);
}

/** Every main page gets both: the accessibility check and its screenshots. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await assertAccessible(page, name);
  await screenshots(page, name);
}
