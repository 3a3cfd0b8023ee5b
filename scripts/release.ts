/**
 * `npm run release -- <x.y.z>`: builds and pushes one image per declared
 * service from services/Dockerfile, records the pushed digests in
 * charts/images.json and re-renders dist/ so it references
 * `<image>:<x.y.z>@sha256:…`. Needs Docker with buildx, logged in to the
 * registry (charts/release.ts). Commit package.json, charts/images.json,
 * dist/ and argocd/ afterwards; .github/workflows/release.yml does all of it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import { recordReleasedImages, release } from '../charts/release.js';
import { allServices } from '../services/services.js';
import { StackError, runMain } from './local-stack/errors.js';
import { commandExists } from './local-stack/commands.js';
import { repoRoot } from './local-stack/paths.js';
import { digestFromBuildMetadata, imageBuildArgs } from './release/build.js';

runMain(async () => {
  const [version, ...rest] = process.argv.slice(2);
  if (!version || rest.length > 0 || !semver.valid(version) || version.startsWith('v')) {
    throw new StackError('Usage: npm run release -- <x.y.z> (a semantic version, without "v")');
  }
  const current = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  if (semver.lt(version, current)) throw new StackError(`${version} is older than the current version ${current}.`);
  if (!commandExists('docker')) throw new StackError('The release builds images with `docker buildx`, which is not installed here.');
  const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: repoRoot }).toString().trim();
  if (dirty) throw new StackError('The working tree has uncommitted changes; a release is built from a commit. Commit or stash them first.');

  // The version first: the images and dist/ both carry it.
  execFileSync('npm', ['version', version, '--no-git-tag-version', '--allow-same-version'], { cwd: repoRoot, stdio: 'inherit' });
  const metadataDir = mkdtempSync(join(tmpdir(), 'ticketing-release-'));
  const digests: Record<string, string> = {};
  try {
    for (const service of allServices) {
      const image = `${release.registry}/${service.name}:${version}`;
      const metadataFile = join(metadataDir, `${service.name}.json`);
      process.stderr.write(`Building and pushing ${image}…\n`);
      const build = spawnSync('docker', imageBuildArgs(service.name, image, metadataFile), { cwd: repoRoot, stdio: 'inherit' });
      if (build.status !== 0) throw new StackError(`Building ${image} failed (docker exited ${build.status ?? build.signal}).`);
      digests[service.name] = digestFromBuildMetadata(readFileSync(metadataFile, 'utf8'), image);
      process.stderr.write(`  ${image}@${digests[service.name]}\n`);
    }
  } finally {
    rmSync(metadataDir, { recursive: true, force: true });
  }
  recordReleasedImages(version, digests);
  // A fresh process: charts/release.ts reads the new version and digests when it loads.
  execFileSync(process.execPath, ['scripts/bootstrap.mjs', '--conditions=development', 'charts/main.ts'], { cwd: repoRoot, stdio: 'inherit' });
  process.stderr.write(`\nReleased ${version}. Commit package.json, charts/images.json, dist/ and argocd/, and push.\n`);
  return 0;
});
