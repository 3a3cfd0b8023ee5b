/**
 * k6, for cluster load runs only. The project never downloads or builds it
 * (k6 is AGPL-licensed): it uses a k6 that you installed yourself, named by
 * K6_BINARY or found as `k6` on PATH. Local runs and `npm test` use the
 * local engine (load-testing/lib/engine.ts) instead.
 */
import { existsSync } from 'node:fs';
import { StackError } from './errors.js';
import { commandExists } from './commands.js';

export const k6InstallHint =
  'Install k6 yourself (https://grafana.com/docs/k6/latest/set-up/install-k6/) and put it on PATH, or set K6_BINARY=/path/to/k6. ' +
  'Local runs need no k6: `npm run load` uses the local engine.';

/** Path of the k6 the user installed, or a StackError saying how to get one. */
export function findK6(env: NodeJS.ProcessEnv = process.env): string {
  const override = env['K6_BINARY'];
  if (override) {
    if (!existsSync(override)) throw new StackError(`K6_BINARY=${override} does not exist. ${k6InstallHint}`);
    return override;
  }
  if (commandExists('k6', env['PATH'])) return 'k6';
  throw new StackError(`k6 is not installed. ${k6InstallHint}`);
}
