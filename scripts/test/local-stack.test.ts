/** The small helpers behind npm start / npm test: no servers needed. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, test } from 'node:test';
import { StackError, describeError } from '../local-stack/errors.js';
import { acquireLock } from '../local-stack/locks.js';
import { assertPortsFree, findFreePort, isPortFree } from '../local-stack/ports.js';
import { spawnService } from '../local-stack/service-process.js';
import { waitFor } from '../local-stack/waiting.js';
import { loadOrCreateSecrets, parseEnvFile } from '../local-stack/secrets.js';
import { filterTestFiles, findTestFiles, isTestFile } from '../local-stack/test-files.js';

const workDir = mkdtempSync(join(tmpdir(), 'local-stack-test-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

describe('test file discovery', () => {
  test('recognises exactly the documented layouts', () => {
    for (const path of [
      'services/booking/test/holds.test.ts',
      'services/booking/test/deep/more.test.ts',
      'charts/test/render.test.ts',
      'tools/argocd/test/cli.test.ts',
      'tools/test/x.test.ts',
      'scripts/test/stack.test.ts',
      'load-testing/test/plan.test.ts',
    ]) {
      assert.ok(isTestFile(path), path);
    }
    for (const path of [
      'services/booking/src/holds.test.ts',
      'services/booking/test/support.ts',
      'charts/lib/x.test.ts',
      'scripts/local-stack/x.test.ts',
      'docs/test/x.test.ts',
    ]) {
      assert.ok(!isTestFile(path), path);
    }
  });

  test('walks the tree and skips node_modules', () => {
    const root = join(workDir, 'repo');
    for (const file of ['services/a/test/one.test.ts', 'services/a/node_modules/x/test/no.test.ts', 'tools/t/test/two.test.ts']) {
      mkdirSync(join(root, file, '..'), { recursive: true });
      writeFileSync(join(root, file), '');
    }
    assert.deepEqual(findTestFiles(root), ['services/a/test/one.test.ts', 'tools/t/test/two.test.ts']);
  });

  test('filters by folder, by file relative to the caller, or by name', () => {
    const files = ['charts/test/a.test.ts', 'services/booking/test/holds.test.ts', 'services/catalog/test/venues.test.ts'];
    const root = '/repo';
    assert.deepEqual(filterTestFiles(files, [], root), files);
    assert.deepEqual(filterTestFiles(files, ['services/booking'], root), ['services/booking/test/holds.test.ts']);
    assert.deepEqual(filterTestFiles(files, ['services/booking/'], root), ['services/booking/test/holds.test.ts']);
    assert.deepEqual(filterTestFiles(files, ['test/venues.test.ts'], root, '/repo/services/catalog'), ['services/catalog/test/venues.test.ts']);
    assert.deepEqual(filterTestFiles(files, ['venues', 'charts'], root), ['charts/test/a.test.ts', 'services/catalog/test/venues.test.ts']);
    assert.throws(() => filterTestFiles(files, ['nothing-like-this'], root), /No test file matches "nothing-like-this"/);
  });
});

describe('secrets', () => {
  test('are generated once, 48 characters, and reused', () => {
    const file = join(workDir, 'secrets', 'secrets.env');
    const first = loadOrCreateSecrets(file, ['A_SECRET', 'B_SECRET']);
    assert.deepEqual(first.created, ['A_SECRET', 'B_SECRET']);
    assert.equal(first.values['A_SECRET']?.length, 48);
    assert.notEqual(first.values['A_SECRET'], first.values['B_SECRET']);
    assert.equal(statSync(file).mode & 0o777, 0o600);

    const again = loadOrCreateSecrets(file, ['A_SECRET', 'B_SECRET', 'C_SECRET']);
    assert.deepEqual(again.created, ['C_SECRET']);
    assert.equal(again.values['A_SECRET'], first.values['A_SECRET']);
    assert.equal(parseEnvFile(readFileSync(file, 'utf8'))['C_SECRET'], again.values['C_SECRET']);
  });
  test('a generator makes values that are not random strings, kept as they are', () => {
    const file = join(workDir, 'secrets', 'generated.env');
    const keySet = JSON.stringify({ keys: [{ kid: 'k1', x: 'a=b' }] });
    assert.equal(loadOrCreateSecrets(file, ['KEYS'], { KEYS: () => keySet }).values['KEYS'], keySet);
    assert.equal(loadOrCreateSecrets(file, ['KEYS']).values['KEYS'], keySet);
  });
});

describe('ports', () => {
  test('a listening port is reported taken, with what needed it', async () => {
    const port = await findFreePort();
    assert.equal(await isPortFree(port), true);
    const server = createServer().listen(port, '127.0.0.1');
    await new Promise((resolvePromise) => server.once('listening', resolvePromise));
    try {
      assert.equal(await isPortFree(port), false);
      await assert.rejects(assertPortsFree([{ port, what: 'thing' }]), new RegExp(`^StackError: Port ${port} \\(thing\\) is already in use`));
    } finally {
      server.close();
    }
  });
});

describe('lock file', () => {
  test('names the live holder and takes over from a dead one', async () => {
    const path = join(workDir, 'run.lock');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(path, `${holder.pid}\n`);
      assert.throws(
        () => acquireLock(path, 'The thing'),
        (error: unknown) => {
          assert.ok(error instanceof StackError);
          assert.equal(error.message.split('.')[0], `The thing is already running (pid ${holder.pid})`);
          return true;
        },
      );
    } finally {
      holder.kill();
      await new Promise((resolvePromise) => holder.once('exit', resolvePromise));
    }
    const lock = acquireLock(path, 'The thing');
    assert.equal(lock.stalePid, holder.pid);
    assert.equal(readFileSync(path, 'utf8').trim(), String(process.pid));
    lock.release();
    assert.throws(() => statSync(path));
  });
});

describe('waitFor', () => {
  test('times out with a message naming what it waited for', async () => {
    await assert.rejects(
      waitFor(async () => false, { what: 'the moon', timeoutMs: 300, intervalMs: 50 }),
      /Timed out after 0s waiting for the moon/,
    );
  });

  test('gives up at once when failIf says so', async () => {
    const started = Date.now();
    await assert.rejects(
      waitFor(async () => false, { what: 'x', timeoutMs: 10_000, failIf: () => new StackError('it died') }),
      /it died/,
    );
    assert.ok(Date.now() - started < 1000);
  });
});

describe('spawnService', () => {
  test('prefixes output lines, keeps the last ones, and stops with SIGTERM', async () => {
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const child = spawnService({
      name: 'demo',
      command: process.execPath,
      args: [
        '-e',
        "console.log('one'); console.error('two'); process.on('SIGTERM', () => { console.log('bye'); process.exit(0); }); setInterval(() => {}, 1000);",
      ],
      env: process.env,
      cwd: workDir,
      output,
    });
    await waitFor(async () => child.recentOutput().includes('two'), { what: 'output', timeoutMs: 10_000 });
    assert.equal(child.exitStatus(), undefined);
    await child.stop(5000);
    assert.equal(child.exitStatus(), 'exit code 0');
    assert.match(printed, /^\[demo\] one$/m);
    assert.match(printed, /^\[demo\] two$/m);
    assert.match(printed, /^\[demo\] bye$/m);
  });
});

describe('errors', () => {
  test('expected failures print without a stack trace, details indented', () => {
    assert.equal(describeError(new StackError('Port 1 is taken.', 'line 1\nline 2')), 'Port 1 is taken.\n  | line 1\n  | line 2');
    assert.match(describeError(new Error('bug')), /^Error: bug\n\s+at /);
  });
});
