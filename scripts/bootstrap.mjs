/**
 * Plain-Node entry of every TypeScript script in package.json, so that
 * `npm start` / `npm test` / `npm run …` work as the first command after
 * `git clone`:
 *
 *   node scripts/bootstrap.mjs [node options…] <entry.ts> [arguments…]
 *
 * 1. Installs the dependencies when node_modules is missing or older than
 *    package-lock.json (`npm ci`; `npm install` when there is no lock).
 *    npm's output goes to stderr, so stdout stays the script's own
 *    (`npm run -s token` prints only the token).
 * 2. Runs `node [node options] --import tsx <entry.ts> [arguments]` with our
 *    stdio, and ends as the child did: same exit code, or the same signal.
 *    It prints nothing after the child exits (`npm test`'s last line is the
 *    test runner's summary).
 *
 * Signals: the child shares our process group, so Ctrl-C in a terminal
 * reaches it directly; we ignore SIGINT/SIGHUP and wait for it to clean up.
 * A SIGTERM sent to us alone is passed on.
 *
 * No dependencies: this file runs before anything is installed.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Why `root` needs an install before TypeScript can run, or undefined when
 * its node_modules is current. npm writes node_modules/.package-lock.json
 * at the end of every install (after package-lock.json), so a lock file
 * newer than it means the dependencies changed since (e.g. a `git pull`).
 *
 * @param {string} root
 * @returns {{ command: 'ci' | 'install', reason: string } | undefined}
 */
export function installNeeded(root) {
  const lock = join(root, 'package-lock.json');
  const command = existsSync(lock) ? 'ci' : 'install';
  if (!existsSync(join(root, 'node_modules'))) return { command, reason: 'node_modules is missing' };
  const installed = mtime(join(root, 'node_modules', '.package-lock.json'));
  if (installed === undefined) return { command, reason: 'node_modules was not installed by npm 7+ (no node_modules/.package-lock.json)' };
  // Without a lock, package.json is what an install follows.
  const wanted = command === 'ci' ? lock : join(root, 'package.json');
  if ((mtime(wanted) ?? 0) > installed) return { command, reason: `${command === 'ci' ? 'package-lock.json' : 'package.json'} changed since the last install` };
  return undefined;
}

/** @param {string} path */
function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Splits our arguments into node options (leading `-…`), the entry script
 * and the script's own arguments.
 *
 * @param {readonly string[]} argv
 * @returns {{ nodeOptions: string[], entry: string, args: string[] }}
 */
export function parseArguments(argv) {
  const index = argv.findIndex((arg) => !arg.startsWith('-'));
  if (index === -1) throw new Error('usage: node scripts/bootstrap.mjs [node options…] <entry.ts> [arguments…]');
  return { nodeOptions: argv.slice(0, index), entry: argv[index] ?? '', args: argv.slice(index + 1) };
}

/**
 * Runs a child with our stdio (or `stdio`) and resolves with how it ended.
 * SIGINT/SIGHUP are left to the child (same process group); SIGTERM is
 * forwarded.
 *
 * @param {string} command
 * @param {readonly string[]} args
 * @param {import('node:child_process').StdioOptions} [stdio]
 * @param {string} [cwd]
 * @returns {Promise<{ code: number | null, signal: NodeJS.Signals | null }>}
 */
function run(command, args, stdio = 'inherit', cwd = undefined) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio });
    const outlive = () => {};
    const forward = () => child.kill('SIGTERM');
    process.on('SIGINT', outlive).on('SIGHUP', outlive).on('SIGTERM', forward);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', outlive).off('SIGHUP', outlive).off('SIGTERM', forward);
      resolvePromise({ code, signal });
    });
  });
}

/** npm itself: the one running us when started by `npm run`, else the one on PATH. */
function npmCommand() {
  const cli = process.env['npm_execpath'];
  return cli && /\.c?js$/.test(cli) && existsSync(cli) ? { command: process.execPath, prefix: [cli] } : { command: 'npm', prefix: [] };
}

/** @param {{ code: number | null, signal: NodeJS.Signals | null }} how */
function exitLike(how) {
  if (how.signal) {
    // Die of the same signal, so whoever started us (npm, a shell) sees it.
    process.kill(process.pid, how.signal);
    return;
  }
  process.exit(how.code ?? 1);
}

async function main() {
  const { nodeOptions, entry, args } = parseArguments(process.argv.slice(2));
  const install = installNeeded(repoRoot);
  if (install) {
    process.stderr.write(`Installing dependencies (npm ${install.command}): ${install.reason}…\n`);
    const npm = npmCommand();
    const how = await run(npm.command, [...npm.prefix, install.command, '--no-audit', '--no-fund', '--loglevel=error'], ['ignore', 2, 2], repoRoot);
    if (how.signal || how.code !== 0) {
      if (!how.signal) process.stderr.write(`npm ${install.command} failed (exit code ${how.code}); see its output above.\n`);
      exitLike(how);
      return;
    }
  }
  exitLike(await run(process.execPath, [...nodeOptions, '--import', 'tsx', entry, ...args]));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
