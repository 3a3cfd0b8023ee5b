/**
 * Go programs the chart tests use (kubeconform), found or built as on a
 * fresh machine: `go install <module>@<version>` into .local/go/bin, through
 * the Go module proxy.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { StackError } from './errors.js';
import { localDir } from './paths.js';
import { commandExists, runCommand } from './commands.js';
import { logToStderr, type Logger } from './logging.js';

export interface GoTool {
  readonly binary: string;
  readonly module: string;
  /** Pinned version. */
  readonly version: string;
}

const binDir = join(localDir, 'go', 'bin');

/** The Kubernetes manifest validator the chart tests run over dist/ (pinned). */
export const kubeconform: GoTool = { binary: 'kubeconform', module: 'github.com/yannh/kubeconform/cmd/kubeconform', version: 'v0.8.0' };

/** Where an installed copy may already be: ours, Go's default GOBIN/GOPATH, then PATH. */
export function findInstalled(binary: string): string | undefined {
  const gopath = process.env['GOPATH']?.split(':')[0];
  const dirs = [binDir, process.env['GOBIN'], gopath && join(gopath, 'bin'), join(homedir(), 'go', 'bin'), ...(process.env['PATH'] ?? '').split(':')];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, binary))) return join(dir, binary);
  }
  return undefined;
}

/** Path of the tool, building the pinned version with `go install` when it is missing. */
export async function ensureGoTool(tool: GoTool, options: { log?: Logger } = {}): Promise<string> {
  const found = findInstalled(tool.binary);
  if (found) return found;
  const source = `${tool.module}@${tool.version}`;
  if (!commandExists('go')) {
    throw new StackError(`${tool.binary} is not installed and Go is not available to build it: install Go and run \`go install ${source}\`.`);
  }
  (options.log ?? logToStderr)(`Building ${tool.binary} with \`go install ${source}\` (first time only)…`);
  mkdirSync(binDir, { recursive: true });
  const result = await runCommand('go', ['install', source], { env: { ...process.env, GOBIN: binDir } });
  const installed = join(binDir, tool.binary);
  if (result.code !== 0 || !existsSync(installed)) {
    throw new StackError(`Building ${tool.binary} failed (go install ${source} exited with code ${result.code}).`, result.output);
  }
  return installed;
}
