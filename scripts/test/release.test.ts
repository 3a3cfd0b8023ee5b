import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { imageFor, recordReleasedImages, release, releasedImages } from '../../charts/release.js';
import { digestFromBuildMetadata, imageBuildArgs } from '../release/build.js';
import { repoRoot } from '../local-stack/paths.js';

const digest = `sha256:${'ab12'.repeat(16)}`;

test('each service is built from the one services/Dockerfile with its name as SERVICE, pushed, with build metadata', () => {
  const args = imageBuildArgs('booking', 'ghcr.io/o/booking:1.2.3', '/tmp/m.json');
  assert.deepEqual(args.slice(0, 2), ['buildx', 'build']);
  const after = (flag: string) => args[args.indexOf(flag) + 1];
  assert.equal(after('--file'), 'services/Dockerfile');
  assert.equal(after('--build-arg'), 'SERVICE=booking');
  assert.equal(after('--tag'), 'ghcr.io/o/booking:1.2.3');
  assert.equal(after('--metadata-file'), '/tmp/m.json');
  assert.ok(args.includes('--push'));
  assert.equal(args.at(-1), '.', 'build context: the repository root (npm workspace)');
  assert.match(readFileSync(join(repoRoot, 'services/Dockerfile'), 'utf8'), /^ARG SERVICE$/m, 'the Dockerfile takes SERVICE');
});

test('the digest comes from the build metadata; a build that pushed nothing is an error', () => {
  // The shape `docker buildx build --metadata-file` writes.
  const metadata = JSON.stringify({ 'buildx.build.ref': 'builder/builder0/x', 'containerimage.digest': digest, 'image.name': 'ghcr.io/o/booking:1.2.3' });
  assert.equal(digestFromBuildMetadata(metadata, 'booking'), digest);
  assert.throws(() => digestFromBuildMetadata(JSON.stringify({ 'buildx.build.ref': 'x' }), 'booking'), /no containerimage\.digest/);
  assert.throws(() => digestFromBuildMetadata('not json', 'booking'), /not JSON/);
});

test('recorded digests put image@sha256 into the manifests, for that version only', () => {
  const file = pathToFileURL(join(mkdtempSync(join(tmpdir(), 'release-')), 'images.json'));
  assert.deepEqual(releasedImages(file), { version: '', digests: {} }, 'nothing released yet');
  recordReleasedImages(release.version, { booking: digest }, file);
  const images = releasedImages(file);
  assert.equal(imageFor('booking', images), `${release.registry}/booking:${release.version}@${digest}`);
  assert.equal(imageFor('catalog', images), `${release.registry}/catalog:${release.version}`, 'a service not built stays by tag');
  recordReleasedImages('0.0.0-older', { booking: digest }, file);
  assert.equal(imageFor('booking', releasedImages(file)), `${release.registry}/booking:${release.version}`, "another version's digests never apply");
  assert.throws(() => recordReleasedImages(release.version, { booking: 'sha256:short' }, file), /not a sha256 digest/);
});

test('npm run release refuses a version that is not x.y.z', () => {
  const run = spawnSync(process.execPath, ['scripts/bootstrap.mjs', '--conditions=development', 'scripts/release.ts', 'v1.2'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /Usage: npm run release -- <x\.y\.z>/);
});
