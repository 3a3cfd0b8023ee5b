/**
 * How the UI gets built, without a browser: Vite pinned at exactly 8.3.8;
 * npm start's watcher rebuilds on every change (and reports a broken edit
 * without stopping); the gateway serves exactly the folder Vite writes; the
 * one image recipe builds the UI and ships it in the gateway's image.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { webBuildDir } from '@ticketing/gateway/web-ui';
import { repoRoot } from '../../../scripts/local-stack/paths.js';
import { watchWebUi } from '../../../scripts/local-stack/web-ui.js';
import viteConfig from '../vite.config.js';

const webDir = join(repoRoot, 'services/web');

test('Vite is pinned at exactly 8.3.8, and that is the version installed', () => {
  const manifest = JSON.parse(readFileSync(join(webDir, 'package.json'), 'utf8'));
  assert.equal(manifest.devDependencies.vite, '8.3.8');
  const installed = JSON.parse(readFileSync(createRequire(join(webDir, 'package.json')).resolve('vite/package.json'), 'utf8'));
  assert.equal(installed.version, '8.3.8');
});

test('the gateway serves the folder the UI is built into', () => {
  assert.equal(resolve(webDir, viteConfig.build!.outDir!), webBuildDir);
});

test("the image recipe builds the UI in its build stage, and the gateway's image carries it", () => {
  const dockerfile = readFileSync(join(repoRoot, 'services/Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const stage = (name: string) => stages.find((s) => new RegExp(`^\\S+ AS ${name}\\b`).test(s)) ?? '';
  assert.match(stage('build'), /^RUN npm run build --workspace services\/web$/m, 'the build stage runs vite build');
  // deps starts from build (so services/web/dist is there), runtime copies services/ from deps whatever SERVICE is.
  assert.match(stage('deps'), /^build AS deps/);
  assert.match(stage('runtime'), /^COPY --from=deps \S* ?\/app\/services \.\/services$/m);
  assert.doesNotMatch(dockerfile, /rm -rf[^\n]*services\/web\/dist|rm -rf[^\n]*services\/\*\/dist/);
});

const project = mkdtempSync(join(tmpdir(), 'web-ui-watch-'));
after(() => rmSync(project, { recursive: true, force: true }));

test('the watcher npm start runs rebuilds on every change, and a broken edit is reported, not fatal', async () => {
  writeFileSync(join(project, 'index.html'), '<!doctype html><title>t</title><script type="module" src="/main.js"></script>');
  writeFileSync(join(project, 'main.js'), 'document.title = "first build";\n');
  const outDir = join(project, 'dist');
  const builtText = () =>
    readdirSync(join(outDir, 'assets'))
      .map((file) => readFileSync(join(outDir, 'assets', file), 'utf8'))
      .join('\n');
  const builds: (Error | undefined)[] = [];
  let heard: () => void = () => {};
  const nextBuild = () => new Promise<void>((resolvePromise) => (heard = resolvePromise));
  const watcher = await watchWebUi(
    (error) => {
      builds.push(error);
      heard();
    },
    { configFile: false, root: project, logLevel: 'silent', build: { outDir, emptyOutDir: true } },
  );
  try {
    assert.match(builtText(), /first build/);

    let rebuilt = nextBuild();
    writeFileSync(join(project, 'main.js'), 'document.title = "second build";\n');
    await rebuilt;
    assert.equal(builds.at(-1), undefined);
    assert.match(builtText(), /second build/);

    rebuilt = nextBuild();
    writeFileSync(join(project, 'main.js'), 'document.title = ;\n');
    await rebuilt;
    assert.ok(builds.at(-1) instanceof Error, 'the broken edit is reported');

    rebuilt = nextBuild();
    writeFileSync(join(project, 'main.js'), 'document.title = "fixed";\n');
    await rebuilt;
    assert.match(builtText(), /fixed/, 'and the watcher goes on after it');
    assert.deepEqual(
      builds.map((error) => (error ? 'failed' : 'rebuilt')),
      ['rebuilt', 'failed', 'rebuilt'],
      'one report per build',
    );
  } finally {
    await watcher.close();
  }
});

test("npm test's build (run before the tests) wrote the UI the gateway serves: index.html and its hashed assets", () => {
  const index = readFileSync(join(webBuildDir, 'index.html'), 'utf8');
  const scripts = [...index.matchAll(/src="\/assets\/([^"]+\.js)"/g)].map((m) => m[1]!);
  assert.ok(scripts.length > 0, 'index.html loads its script from /assets/');
  for (const file of scripts) assert.match(file, /-[\w-]{8}\.js$/, `${file} carries a content hash`);
  for (const file of scripts) assert.ok(readdirSync(join(webBuildDir, 'assets')).includes(file), file);
});
