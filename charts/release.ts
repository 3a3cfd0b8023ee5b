import { readFileSync, writeFileSync } from 'node:fs';

/**
 * The release settings. Images are `<registry>/<service>:<version>@sha256:…`
 * where `version` is the root package.json version and the digest is what
 * `npm run release -- <version>` pushed (recorded in charts/images.json).
 * A version not released yet renders by tag only (the policy test reports it).
 * Never `:latest`.
 */
const rootPackage = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** Where the release step records the digests it pushed. */
export const imagesFile = new URL('./images.json', import.meta.url);

/** charts/images.json: the digests of one released version, per service. */
export interface ReleasedImages {
  readonly version: string;
  /** Service → `sha256:<64 hex>`. */
  readonly digests: Readonly<Record<string, string>>;
}

export const release = {
  /** Container registry (and organisation) the images are pushed to. */
  registry: 'ghcr.io/ticketing-platform',
  /** Version every service image of this release carries. */
  version: rootPackage.version,
} as const;

const digestPattern = /^sha256:[0-9a-f]{64}$/;

/** The recorded digests (none before the first release). */
export function releasedImages(file: URL = imagesFile): ReleasedImages {
  let parsed: ReleasedImages;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as ReleasedImages;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: '', digests: {} };
    throw new Error(`${file.pathname} is not valid JSON: ${(error as Error).message}`);
  }
  for (const [service, digest] of Object.entries(parsed.digests ?? {})) {
    if (!digestPattern.test(digest)) throw new Error(`${file.pathname}: ${service} has digest "${digest}", not sha256:<64 hex>`);
  }
  return { version: parsed.version, digests: parsed.digests ?? {} };
}

/** The image reference of one service for this release (by digest once released). */
export function imageFor(service: string, images: ReleasedImages = releasedImages()): string {
  if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(release.version)) {
    throw new Error(`release version "${release.version}" is not a semantic version`);
  }
  const tagged = `${release.registry}/${service}:${release.version}`;
  const digest = images.version === release.version ? images.digests[service] : undefined;
  return digest ? `${tagged}@${digest}` : tagged;
}

/** Records the digests `version`'s images were pushed with (what the release step writes). */
export function recordReleasedImages(version: string, digests: Readonly<Record<string, string>>, file: URL = imagesFile): void {
  for (const [service, digest] of Object.entries(digests)) {
    if (!digestPattern.test(digest)) throw new Error(`${service}: "${digest}" is not a sha256 digest`);
  }
  const sorted = Object.fromEntries(Object.entries(digests).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(file, `${JSON.stringify({ version, digests: sorted } satisfies ReleasedImages, null, 2)}\n`);
}
