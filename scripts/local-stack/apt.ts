import { StackError } from './errors.js';
import { commandExists, lastLines, runCommand } from './commands.js';
import { type Logger } from './logging.js';

/**
 * Installs Debian packages with apt-get (a fresh machine's first run). Needs
 * root and apt-get; otherwise says how to install `what` by hand.
 */
export async function aptGetInstall(packages: readonly string[], what: string, options: { log?: Logger } = {}): Promise<void> {
  const installCommand = `apt-get update && apt-get install -y ${packages.join(' ')}`;
  if (process.getuid?.() !== 0) throw new StackError(`${what} is not installed. Install it with: sudo sh -c '${installCommand}'`);
  if (!commandExists('apt-get'))
    throw new StackError(`${what} is not installed and this is not a Debian-like system (no apt-get). Install it and put it on PATH.`);
  options.log?.(`${what} is not installed; installing it with apt-get (one time)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...packages]]) {
    const result = await runCommand('apt-get', args, { env, showOutput: true });
    if (result.code !== 0) throw new StackError(`Installing ${what} failed (apt-get ${args.join(' ')} exited ${result.code}).`, lastLines(result.output, 15));
  }
}
