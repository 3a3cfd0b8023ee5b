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
/** Processes this file started that have not exited: a failed assertion must not leave them running. */
const running = new Set<ChildProcess>();
before(async () => {
  harness = await startAfterPurchaseHarness();
});
after(async () => {
  for (const child of running) child.kill('SIGKILL');
  await harness?.close();
});

/** The tickets service as its own OS process, as a pod runs it; resolves once /readyz says it joined its consumer group. */
async function spawnTickets(env: Record<string, string>): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const port = await findFreePort();
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', 'services/tickets/src/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
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

describe('tickets processes joining, leaving and killed mid-stream', () => {
  test(
    `${bookings} bookings while a second replica joins, the first leaves on SIGTERM and the second is SIGKILLed: every booking has exactly one ticket`,
    { timeout: 150_000 },
    async () => {
      const env = testServiceEnv(harness.databaseUrl, { KAFKA_TOPIC_BOOKINGS: harness.topic, TICKETS_SIGNING_KEYS: generateSigningKeySet() });
      const messages = Array.from({ length: bookings }, (_, i) =>
        bookingMessage('booking.confirmed', harness.event.eventId, {
          bookingId: randomUUID(),
          bookingReference: `BK-${String(i).padStart(4, '0')}-KILL`,
          buyerId: randomUUID(),
          seatIds: [],
          generalAdmission: { sectionId: harness.event.gaSectionId, quantity: 1 },
          amount: { cents: 100, currency: 'EUR' },
        }),
      );
      const issuedAtLeast = (n: number) =>
        waitUntil(`${n} tickets to be issued`, async () => (await countTickets()).tickets >= n, { intervalMs: 10, timeoutMs: 60_000 });

      const first = await spawnTickets(env);
      await harness.publish(messages.slice(0, 400));
      await issuedAtLeast(100);
      // A second replica joins: the group rebalances while the first is mid-stream.
      const second = await spawnTickets(env);
      await harness.publish(messages.slice(400, 700));
      await issuedAtLeast(450);
      // The first leaves as a pod does on scale-down: it finishes the message in hand, commits and hands its partitions over.
      const atTerm = await countTickets();
      first.child.kill('SIGTERM');
      assert.ok(atTerm.tickets < 700, `signalled mid-stream (${atTerm.tickets} of 700 issued)`);
      assert.equal(await first.exited, 0, 'SIGTERM leaves the group and exits cleanly');
      await harness.publish(messages.slice(700));
      await issuedAtLeast(750);
      second.child.kill('SIGKILL');
      await second.exited;
      const atKill = await countTickets();
      assert.ok(atKill.tickets < bookings, `killed mid-way (${atKill.tickets} issued)`);

      const third = await spawnTickets(env);
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

      third.child.kill('SIGTERM');
      assert.equal(await third.exited, 0);
    },
  );
});
