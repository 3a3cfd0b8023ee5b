/**
 * The Kubernetes versions the platform supports: every pinned add-on's own
 * published constraint covers all of them (charts/test/addons.test.ts), and
 * dist/ is validated against the API schemas of the lowest and the highest
 * (charts/test/schema.test.ts). Moving the range is a change here, in the
 * README and in docs/gitops.md.
 */
export const supportedKubernetes = {
  /** Oldest minor version, `1.<minor>`. */
  lowest: '1.35',
  /** Newest minor version. */
  highest: '1.36',
  /**
   * The Go module whose api/openapi-spec/swagger.json holds each end's API
   * schemas (a patch release of that minor, fetched through the Go module proxy).
   */
  schemaModules: {
    '1.35': 'k8s.io/kubernetes@v1.35.4',
    '1.36': 'k8s.io/kubernetes@v1.36.3',
  },
} as const;

/** Every minor version of the range, lowest first (`1.35`, `1.36`). */
export function supportedMinorVersions(): string[] {
  const minor = (v: string) => Number(v.split('.')[1]);
  const out: string[] = [];
  for (let m = minor(supportedKubernetes.lowest); m <= minor(supportedKubernetes.highest); m++) out.push(`1.${m}`);
  return out;
}
