import { existsSync } from 'node:fs';
import { StackError } from './errors.js';
import { aptGetInstall } from './apt.js';
import { type Logger } from './logging.js';

/** Debian's Chromium: the browser the UI tests drive (playwright-core brings no browser of its own). */
export const chromiumPath = '/usr/bin/chromium';

/** The Chromium binary, installing Debian's package first when it is missing. */
export async function ensureChromiumInstalled(options: { log?: Logger } = {}): Promise<string> {
  if (existsSync(chromiumPath)) return chromiumPath;
  await aptGetInstall(['chromium'], 'Chromium', options);
  if (!existsSync(chromiumPath)) throw new StackError(`apt-get installed chromium but ${chromiumPath} did not appear.`);
  return chromiumPath;
}
