/**
 * Finds or installs the Go tools the tests use, as on a fresh machine:
 * `go install <module>@<version>` into .local/go/bin (needs the Go toolchain
 * and the Go module proxy).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { localDir } from './paths.js';

export interface GoTool {
  readonly binary: string;
  readonly module: string;
  /** Pinned version. */
  readonly version: string;
}

export const kubeconform: GoTool = { binary: 'kubeconform', module: 'github.com/yannh/kubeconform/cmd/kubeconform', version: 'v0.8.0' };
export const kubeLinter: GoTool = { binary: 'kube-linter', module: 'golang.stackrox.io/kube-linter/cmd/kube-linter', version: 'v0.7.2' };

const binDir = join(localDir, 'go', 'bin');

function onPath(binary: string): string | undefined {
  for (const dir of [binDir, join(homedir(), 'go', 'bin'), ...(process.env.PATH ?? '').split(':')]) {
    const candidate = join(dir, binary);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Path of the tool, installing it with `go install` when missing. Throws with the go output on failure. */
export function ensureGoTool(tool: GoTool): string {
  const found = onPath(tool.binary);
  if (found) return found;
  mkdirSync(binDir, { recursive: true });
  try {
    execFileSync('go', ['install', `${tool.module}@${tool.version}`], {
      env: { ...process.env, GOBIN: binDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 600_000,
    });
  } catch (error) {
    const e = error as { stderr?: Buffer; message: string };
    throw new Error(`could not install ${tool.binary} (go install ${tool.module}@${tool.version}): ${e.stderr?.toString() || e.message}`);
  }
  const installed = join(binDir, tool.binary);
  if (!existsSync(installed)) throw new Error(`go install ${tool.module} did not produce ${installed}`);
  return installed;
}

/** Like ensureGoTool, but returns the failure reason instead of throwing. */
export function tryGoTool(tool: GoTool): { path: string } | { error: string } {
  try {
    return { path: ensureGoTool(tool) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
