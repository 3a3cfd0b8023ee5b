/**
 * The k6 load generator. k6 is a Go program; the npm package of that name is
 * only a typing stub, so we use the real binary: K6_BINARY if set, else an
 * installed k6, else the pinned version built with `go install`.
 */
import { existsSync } from 'node:fs';
import { StackError } from './errors.js';
import { ensureGoTool, type GoTool } from './go-tools.js';
import type { Logger } from './process.js';

/** The k6 release we build and test with. k6 v1 runs TypeScript scripts natively. */
export const k6Tool: GoTool = { binary: 'k6', module: 'go.k6.io/k6', version: 'v1.8.1' };

/** Returns the path of a usable k6 binary, building it with Go when none is installed. */
export async function ensureK6(options: { log?: Logger } = {}): Promise<string> {
  const override = process.env['K6_BINARY'];
  if (override) {
    if (!existsSync(override)) throw new StackError(`K6_BINARY=${override} does not exist.`);
    return override;
  }
  return ensureGoTool(k6Tool, options);
}
