/**
 * The tools the chart tests run. kubeconform is pinned and installed with
 * `go install` through scripts/local-stack/go-tools.ts. kube-linter is only used
 * when already installed: the Go module proxy refuses to serve it, so the
 * tests never try to build it.
 */
import { ensureGoTool, findInstalled, kubeconform } from '../../../scripts/local-stack/go-tools.js';

export { ensureGoTool, kubeconform };

/** Path of an installed kube-linter (PATH, or Go's bin folders), else undefined. */
export function findKubeLinter(): string | undefined {
  return findInstalled('kube-linter');
}
