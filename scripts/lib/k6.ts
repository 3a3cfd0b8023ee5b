/**
 * Finds (or builds) the k6 load generator. k6 is a Go program; the npm
 * package of that name is only a typing stub, so we use the real binary:
 * `k6` on PATH, else `$GOPATH/bin/k6` (default ~/go/bin/k6), else we build
 * the pinned version with `go install` (a minute or two the first time).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { StackError } from './errors.js';
import { commandExists, logToStderr, runCommand, type Logger } from './process.js';

/** The k6 release we build and test with. k6 v1 runs TypeScript scripts natively. */
export const K6_VERSION = 'v1.8.1';
export const K6_MODULE = 'go.k6.io/k6';

/** Returns the path of a usable k6 binary, building it with Go when none is installed. */
export async function ensureK6(options: { log?: Logger } = {}): Promise<string> {
  const log = options.log ?? logToStderr;
  if (process.env['K6_BINARY']) {
    if (!existsSync(process.env['K6_BINARY'])) throw new StackError(`K6_BINARY=${process.env['K6_BINARY']} does not exist.`);
    return process.env['K6_BINARY'];
  }
  if (commandExists('k6')) return 'k6';
  const goBin = await goBinDir();
  const installed = join(goBin, 'k6');
  if (existsSync(installed)) return installed;

  if (!commandExists('go')) {
    throw new StackError(
      `k6 is not installed and Go is not available to build it. Install Go (https://go.dev/dl/, 1.25+) and run ` +
        `\`go install ${K6_MODULE}@${K6_VERSION}\`, or install a k6 release binary (https://grafana.com/docs/k6/latest/set-up/install-k6/) ` +
        `and put it on PATH (or set K6_BINARY).`,
    );
  }
  log(`Building k6 ${K6_VERSION} with \`go install ${K6_MODULE}@${K6_VERSION}\` (first time only, takes a minute or two)…`);
  const result = await runCommand('go', ['install', `${K6_MODULE}@${K6_VERSION}`], { showOutput: true });
  if (result.code !== 0 || !existsSync(installed)) {
    throw new StackError(`Building k6 failed (go install exited with code ${result.code}).`, result.output);
  }
  log(`k6 installed at ${installed}.`);
  return installed;
}

/** `go env GOBIN`, else `$GOPATH/bin`, else ~/go/bin (Go's default) when Go is absent. */
async function goBinDir(): Promise<string> {
  const fromEnv = process.env['GOBIN'] || (process.env['GOPATH'] ? join(process.env['GOPATH'].split(':')[0]!, 'bin') : '');
  if (fromEnv) return fromEnv;
  if (commandExists('go')) {
    const gobin = await runCommand('go', ['env', 'GOBIN']);
    if (gobin.code === 0 && gobin.output.trim()) return gobin.output.trim();
    const gopath = await runCommand('go', ['env', 'GOPATH']);
    if (gopath.code === 0 && gopath.output.trim()) return join(gopath.output.trim().split(':')[0]!, 'bin');
  }
  return join(homedir(), 'go', 'bin');
}
