/** The Go tools the chart tests use, pinned; installed through scripts/lib/go-tools.ts. */
import { ensureGoTool, type GoTool } from '../../../scripts/lib/go-tools.js';

export { ensureGoTool };

export const kubeconform: GoTool = { binary: 'kubeconform', module: 'github.com/yannh/kubeconform/cmd/kubeconform', version: 'v0.8.0' };
export const kubeLinter: GoTool = { binary: 'kube-linter', module: 'golang.stackrox.io/kube-linter/cmd/kube-linter', version: 'v0.7.2' };

/** Like ensureGoTool, but returns the failure reason instead of throwing. */
export async function tryGoTool(tool: GoTool): Promise<{ path: string } | { error: string }> {
  try {
    return { path: await ensureGoTool(tool, { log: () => {} }) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
