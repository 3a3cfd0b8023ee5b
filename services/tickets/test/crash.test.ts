import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateSigningKeySet } from '@ticketing/platform/signing-keys';
import { bookingMessage, findFreePort, startAfterPurchaseHarness, testServiceEnv, waitUntil, type AfterPurchaseHarness } from '@ticketing/testing';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const bookings = 1000;

let harness: AfterPurchaseHarness;
before(async () => {
  harness = await startAfterPurchaseHarness();
});
after(async () => harness?.close());

/** The tickets service as its own OS process, as a pod runs it; resolves once /readyz says it joined its consumer group. */
async function spawnTickets(env: Record<string, string>): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const port = await findFreePort();
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', 'services/tickets/src/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitUntil(
    'the tickets process to join its consumer group',
    async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200,
    { timeoutMs: 60_000 },
  );
  return { child, exited };
}

const countTickets = async () =>
  (
    await harness.pool.query<{ tickets: number; bookings: number }>(
      'SELECT count(*)::int AS tickets, count(DISTINCT booking_id)::int AS bookings FROM tickets.tickets',
    )
  ).rows[0]!;

describe('a tickets process killed mid-batch', () => {
  test(`SIGKILL while ${bookings} bookings are being issued: after a restart every booking has exactly one ticket`, { timeout: 120_000 }, async () => {
    const env = testServiceEnv(harness.databaseUrl, { KAFKA_TOPIC_BOOKINGS: harness.topic, TICKETS_SIGNING_KEYS: generateSigningKeySet() });
    const first = await spawnTickets(env);
    await harness.publish(
      Array.from({ length: bookings }, (_, i) =>
        bookingMessage('booking.confirmed', harness.event.eventId, {
          bookingId: randomUUID(),
          bookingReference: `BK-${String(i).padStart(4, '0')}-KILL`,
          buyerId: randomUUID(),
          seatIds: [],
          generalAdmission: { sectionId: harness.event.gaSectionId, quantity: 1 },
          amount: { cents: 100, currency: 'EUR' },
        }),
      ),
    );
    await waitUntil('some tickets to be issued', async () => (await countTickets()).tickets >= 100, { intervalMs: 10, timeoutMs: 60_000 });
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = await countTickets();
    assert.ok(atKill.tickets < bookings, `killed mid-way (${atKill.tickets} issued)`);

    const second = await spawnTickets(env);
    const done = await waitUntil(
      'every booking to be issued',
      async () => {
        const count = await countTickets();
        return count.bookings === bookings && count;
      },
      { timeoutMs: 90_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.deepEqual(await countTickets(), { tickets: bookings, bookings }, 'nothing lost, nothing doubled');
    assert.deepEqual(done, { tickets: bookings, bookings });
    const consumed = await harness.pool.query(`SELECT count(*)::int AS n FROM tickets.consumed_messages WHERE consumer_group = 'tickets'`);
    assert.equal(consumed.rows[0].n, bookings);

    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, 'SIGTERM leaves the group and exits cleanly');
  });
});
