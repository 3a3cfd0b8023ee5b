import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bookingEnv, type BookingHarness, findFreePort, startBookingHarness } from '@ticketing/testing';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

function run(env: Record<string, string>, untilReady?: (url: string) => Promise<void>) {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', 'services/booking/src/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stderr, stdout }), untilReady };
}

describe('the booking process', () => {
  let h: BookingHarness;
  before(async () => {
    h = await startBookingHarness();
  });
  after(async () => h.close());

  test('a configuration error stops it at start with one line naming the setting', async () => {
    const env = bookingEnv(h.databaseUrl, { HOLD_TTL_SECONDS: 'five minutes' });
    const { exited, output } = run(env);
    assert.equal(await exited, 1);
    assert.equal(output().stderr.trim(), 'booking: configuration error: HOLD_TTL_SECONDS: expected an integer, got "five minutes"');
    const missing = run(Object.fromEntries(Object.entries(bookingEnv(h.databaseUrl)).filter(([k]) => k !== 'PAYMENT_WEBHOOK_SECRET')));
    assert.equal(await missing.exited, 1);
    assert.match(missing.output().stderr, /PAYMENT_WEBHOOK_SECRET: is required/);
  });

  test('SIGTERM drains and exits 0; readiness turns 503 while shutting down', async () => {
    const port = await findFreePort();
    const { child, exited, output } = run(bookingEnv(h.databaseUrl, { PORT: String(port), DATABASE_MIGRATE: 'false', LOG_LEVEL: 'info' }));
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/readyz`)).status === 200) break;
      } catch {
        /* starting */
      }
      assert.ok(i < 150, `did not start: ${output().stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const health = await (await fetch(`${url}/healthz`)).json();
    assert.deepEqual(health, { status: 'ok', service: 'booking' });
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const logs = output()
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string });
    assert.ok(logs.some((l) => l.msg === 'signal received'));
    assert.equal(logs.at(-1)!.msg, 'stopped');
  });
});
