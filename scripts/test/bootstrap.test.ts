/**
 * scripts/bootstrap.mjs, the plain-Node entry of `npm start`, `npm test` and
 * every other TypeScript script: when it installs, and that it passes
 * arguments, output, exit codes and signals through. The real runs use a
 * throwaway project whose only dependency is this checkout's tsx (a `file:`
 * link), so they install in about a second without the network.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { installNeeded, parseArguments, repoRoot } from '../bootstrap.mjs';

const workDir = mkdtempSync(join(tmpdir(), 'bootstrap-test-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

function project(name: string, files: Record<string, string>, mtimes: Record<string, number> = {}): string {
  const root = join(workDir, name);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), content);
  }
  for (const [file, seconds] of Object.entries(mtimes)) utimesSync(join(root, file), seconds, seconds);
  return root;
}

describe('bootstrap: when to install', () => {
  test('a fresh clone (no node_modules) needs npm ci, or npm install without a lock', () => {
    assert.deepEqual(installNeeded(project('fresh', { 'package.json': '{}', 'package-lock.json': '{}' })), {
      command: 'ci',
      reason: 'node_modules is missing',
    });
    assert.equal(installNeeded(project('fresh-no-lock', { 'package.json': '{}' }))?.command, 'install');
  });

  test("node_modules without npm's record of the install needs one", () => {
    const root = project('no-record', { 'package.json': '{}', 'package-lock.json': '{}', 'node_modules/x/index.js': '' });
    assert.match(installNeeded(root)?.reason ?? '', /no node_modules\/\.package-lock\.json/);
  });

  test('a lock file newer than the last install needs npm ci; an older one nothing', () => {
    const files = { 'package.json': '{}', 'package-lock.json': '{}', 'node_modules/.package-lock.json': '{}' };
    const stale = project('stale', files, { 'package.json': 1000, 'node_modules/.package-lock.json': 2000, 'package-lock.json': 3000 });
    assert.deepEqual(installNeeded(stale), { command: 'ci', reason: 'package-lock.json changed since the last install' });
    const current = project('current', files, { 'package.json': 1000, 'package-lock.json': 2000, 'node_modules/.package-lock.json': 3000 });
    assert.equal(installNeeded(current), undefined);
  });

  test('without a lock, package.json is what counts', () => {
    const files = { 'package.json': '{}', 'node_modules/.package-lock.json': '{}' };
    assert.equal(installNeeded(project('no-lock-stale', files, { 'node_modules/.package-lock.json': 1000, 'package.json': 2000 }))?.command, 'install');
    assert.equal(installNeeded(project('no-lock-current', files, { 'package.json': 1000, 'node_modules/.package-lock.json': 2000 })), undefined);
  });

  test('this checkout is installed (npm test got here)', () => {
    assert.equal(installNeeded(repoRoot), undefined);
  });
});

describe('bootstrap: arguments', () => {
  test("leading options go to node, the first other word is the entry, the rest is the script's", () => {
    assert.deepEqual(parseArguments(['--conditions=development', 'scripts/test.ts', '--no-typecheck', 'charts']), {
      nodeOptions: ['--conditions=development'],
      entry: 'scripts/test.ts',
      args: ['--no-typecheck', 'charts'],
    });
    assert.deepEqual(parseArguments(['tools/argocd/cli.ts']), { nodeOptions: [], entry: 'tools/argocd/cli.ts', args: [] });
    assert.throws(() => parseArguments(['--conditions=development']), /usage/);
  });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the bootstrap in `root` in its own process group; `during` may signal it once it printed `ready`. */
function bootstrap(root: string, args: string[], during?: (pid: number) => void): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(root, 'scripts', 'bootstrap.mjs'), ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      // As from a plain shell, not from the npm running this test.
      env: { ...process.env, npm_execpath: undefined, NODE_OPTIONS: undefined },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (during && stdout.includes('ready\n')) {
        during(child.pid!);
        during = undefined;
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

describe('bootstrap: a real run', () => {
  let root: string;
  before(() => {
    const tsx = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
    root = project('real', {
      'package.json': JSON.stringify({ name: 'bootstrap-probe', private: true, type: 'module', devDependencies: { tsx: `file:${tsx}` } }),
      // TypeScript syntax, so it only runs through tsx.
      'exit.ts': 'const code: number = Number(process.argv[2]);\nconsole.log(JSON.stringify(process.argv.slice(2)));\nprocess.exit(code);\n',
      'wait.ts': [
        'const cleanUp = (signal: string): void => { setTimeout(() => { console.log(`cleaned up after ${signal}`); process.exit(0); }, 200); };',
        "process.on('SIGINT', cleanUp).on('SIGTERM', cleanUp);",
        "console.log('ready');",
        'setInterval(() => {}, 1000);',
      ].join('\n'),
      'die.ts': "const signal: NodeJS.Signals = 'SIGTERM';\nprocess.kill(process.pid, signal);\nsetInterval(() => {}, 1000);\n",
    });
    mkdirSync(join(root, 'scripts'));
    copyFileSync(join(repoRoot, 'scripts', 'bootstrap.mjs'), join(root, 'scripts', 'bootstrap.mjs'));
  });

  test('installs on the first run, then not again; arguments, stdout and exit code pass through', { timeout: 120_000 }, async () => {
    const first = await bootstrap(root, ['exit.ts', '3', '--flag', 'two words']);
    assert.match(first.stderr, /Installing dependencies \(npm install\): node_modules is missing/);
    // npm's output goes to stderr: stdout is the script's alone.
    assert.equal(first.stdout, '["3","--flag","two words"]\n', first.stderr);
    assert.equal(first.code, 3, first.stderr);

    const second = await bootstrap(root, ['--conditions=development', 'exit.ts', '0']);
    assert.equal(second.stderr, '');
    assert.equal(second.stdout, '["0"]\n');
    assert.equal(second.code, 0);

    // A lock file changed after the install (a pull) means npm ci before running.
    const future = Date.now() / 1000 + 60;
    utimesSync(join(root, 'package-lock.json'), future, future);
    const third = await bootstrap(root, ['exit.ts', '0']);
    assert.match(third.stderr, /npm ci\): package-lock.json changed/);
    assert.equal(third.code, 0, third.stderr);
  });

  test('Ctrl-C (SIGINT to the process group) lets the script clean up and exits as it does, printing nothing after', { timeout: 60_000 }, async () => {
    const run = await bootstrap(root, ['wait.ts'], (pid) => process.kill(-pid, 'SIGINT'));
    assert.equal(run.stdout, 'ready\ncleaned up after SIGINT\n', run.stderr);
    assert.deepEqual([run.code, run.signal], [0, null], run.stderr);
  });

  test('a SIGTERM sent to the bootstrap alone reaches the script', { timeout: 60_000 }, async () => {
    const run = await bootstrap(root, ['wait.ts'], (pid) => process.kill(pid, 'SIGTERM'));
    assert.equal(run.stdout, 'ready\ncleaned up after SIGTERM\n', run.stderr);
    assert.equal(run.code, 0, run.stderr);
  });

  test('a script killed by a signal makes the bootstrap die of the same signal', { timeout: 60_000 }, async () => {
    const run = await bootstrap(root, ['die.ts']);
    assert.deepEqual([run.code, run.signal], [null, 'SIGTERM'], run.stderr);
  });
});
