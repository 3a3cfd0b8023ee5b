import { readFileSync } from 'node:fs';

/**
 * The one release setting. Images are `<registry>/<service>:<version>` where
 * `version` is the root package.json version: the release step runs
 * `npm version <x.y.z>`, builds and pushes the images with that tag, then
 * `npm run synth` and commits dist/. Never `:latest`.
 */
const rootPackage = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const release = {
  /** Container registry (and organisation) the images are pushed to. */
  registry: 'ghcr.io/ticketing-platform',
  /** Version every service image of this release carries. */
  version: rootPackage.version,
} as const;

/** The image reference of one service for this release. */
export function imageFor(service: string): string {
  if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(release.version)) {
    throw new Error(`release version "${release.version}" is not a semantic version`);
  }
  return `${release.registry}/${service}:${release.version}`;
}
