/** The image build of the release step (scripts/release.ts), kept apart so its command line and its output parsing are tested. */

/** `docker` arguments that build `service` from the one services/Dockerfile and push it as `image`, writing the build metadata to `metadataFile`. */
export function imageBuildArgs(service: string, image: string, metadataFile: string): string[] {
  return [
    'buildx',
    'build',
    '--file',
    'services/Dockerfile',
    '--build-arg',
    `SERVICE=${service}`,
    '--tag',
    image,
    // Labels tie the image to its source (OCI annotations).
    '--label',
    `org.opencontainers.image.title=${service}`,
    '--provenance=false',
    '--push',
    '--metadata-file',
    metadataFile,
    '.',
  ];
}

/** The pushed image's digest from `docker buildx build --metadata-file` output. */
export function digestFromBuildMetadata(json: string, image: string): string {
  let metadata: Record<string, unknown>;
  try {
    metadata = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw new Error(`the build metadata of ${image} is not JSON`);
  }
  const digest = metadata['containerimage.digest'];
  if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new Error(`the build metadata of ${image} has no containerimage.digest (was it pushed?)`);
  }
  return digest;
}
