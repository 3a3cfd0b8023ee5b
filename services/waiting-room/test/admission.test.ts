/**
 * Admission on the real Redis, by two replicas of the service: 10,000
 * simulated arrivals (joined straight through the queue scripts, as the API
 * does) are admitted at the configured rate within one tick, each exactly
 * once, first come first served after the onsale and in a seeded, uniformly
 * random order before it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { http, seedEvent, startWaitingRoomStack, testRedisUrl, testToken, waitUntil, type WaitingRoomStack } from '@ticketing/testing';
import { createQueue, type Queue, type TickResult } from '../src/queue.js';

const arrivals = 10_000;
const tickMs = 100;
const organizer = testToken('organizer-1', 'partner', { org: 'org-1' });
const account = (i: number) => `buyer-${String(i).padStart(5, '0')}`;
const indexOf = (a: string) => Number(a.slice('buyer-'.length));
// Distinct addresses: the per-address limit is not what these tests are about.
const addressOf = (i: number) => `10.1.${i >> 8}.${i & 255}`;

interface Step {
  replica: number;
  result: TickResult;
}

describe('admission by two scheduler replicas (10,000 arrivals, real Redis)', () => {
  let stack: WaitingRoomStack;
  let queue: Queue;
  const steps = new Map<string, Step[]>();

  before(async () => {
    stack = await startWaitingRoomStack({
      replicas: 2,
      env: { SCHEDULER_TICK_MS: String(tickMs) },
      onStep: (replica) => (eventId, result) => {
        if (!steps.has(eventId)) steps.set(eventId, []);
        steps.get(eventId)!.push({ replica, result });
      },
    });
    queue = createQueue({ redisUrl: testRedisUrl(), keyPrefix: stack.keyPrefix, placesPerIp: 20 });
    await queue.ready();
  });
  after(async () => {
    await queue?.close();
    await stack?.close();
  });

  const room = async (eventId: string, settings: Record<string, unknown>) => {
    const res = await http(stack.url, 'PUT', `/events/${eventId}`, { token: organizer, body: { shoppingSeconds: 600, open: true, ...settings } });
    assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
    return res.body;
  };

  /** Every arrival joins, in index order (one connection: Redis runs the scripts in the order sent). */
  const arrive = async (eventId: string) => {
    assert.equal((await queue.join(eventId, account(0), addressOf(0))).kind, 'joined');
    const outcomes = await Promise.all(Array.from({ length: arrivals - 1 }, (_, i) => queue.join(eventId, account(i + 1), addressOf(i + 1))));
    assert.ok(outcomes.every((o) => o.kind === 'joined'));
  };

  const admittedSteps = (eventId: string) => (steps.get(eventId) ?? []).filter((s) => s.result.admitted.length > 0);
  const admittedCount = (eventId: string) => admittedSteps(eventId).reduce((n, s) => n + s.result.admitted.length, 0);

  test('after the onsale: the configured rate within one tick, each buyer exactly once, first come first served, by both replicas', async () => {
    const { eventId } = await seedEvent(stack.pool, { seats: 10 });
    const perMinute = 120_000;
    await room(eventId, { onsaleAt: new Date(Date.now() - 60_000).toISOString(), admissionPerMinute: perMinute });
    await arrive(eventId);
    await waitUntil('every arrival admitted', async () => admittedCount(eventId) >= arrivals, { timeoutMs: 30_000, intervalMs: 100 });

    const admitting = admittedSteps(eventId);
    const everyone = admitting.flatMap((s) => s.result.admitted.map((a) => a.account));
    assert.equal(everyone.length, arrivals, 'admitted exactly as many as arrived');
    assert.equal(new Set(everyone).size, arrivals, 'nobody admitted twice');
    for (const r of [0, 1])
      assert.ok(
        admitting.some((s) => s.replica === r),
        `replica ${r} admitted some`,
      );

    // FCFS: each step admits the next contiguous run of arrivals, and later steps later arrivals.
    const byArrival = [...admitting].sort((a, b) => indexOf(a.result.admitted[0]!.account) - indexOf(b.result.admitted[0]!.account));
    let next = 0;
    for (const s of byArrival) {
      for (const a of s.result.admitted) assert.equal(indexOf(a.account), next++, 'admitted in arrival order');
    }
    for (let i = 1; i < byArrival.length; i += 1) assert.ok(byArrival[i]!.result.now >= byArrival[i - 1]!.result.now, 'a later run is admitted later');

    // The rate: between any two steps, the admitted count matches rate × elapsed within one tick's worth (+1 for rounding).
    const timeline = [...(steps.get(eventId) ?? [])].sort((a, b) => a.result.now.getTime() - b.result.now.getTime());
    const first = timeline.findIndex((s) => s.result.admitted.length > 0);
    const last = first + timeline.slice(first).findIndex((s) => s.result.waiting === 0);
    const window = timeline.slice(first, last + 1);
    const cumulative: number[] = [];
    window.reduce((n, s) => (cumulative.push(n + s.result.admitted.length), n + s.result.admitted.length), 0);
    const perMs = perMinute / 60_000;
    const slack = perMs * tickMs + 1;
    for (let i = 0; i < window.length; i += 1) {
      for (let j = i + 1; j < window.length; j += 1) {
        const due = perMs * (window[j]!.result.now.getTime() - window[i]!.result.now.getTime());
        const got = cumulative[j]! - cumulative[i]!;
        assert.ok(got <= due + slack, `steps ${i}..${j}: ${got} admitted, ${due.toFixed(0)} due`);
        if (window[j]!.result.waiting > 0) assert.ok(got >= due - slack, `steps ${i}..${j}: ${got} admitted, ${due.toFixed(0)} due`);
      }
    }
    const took = window.at(-1)!.result.now.getTime() - window[0]!.result.now.getTime();
    const expected = (arrivals - window[0]!.result.admitted.length) / perMs;
    assert.ok(Math.abs(took - expected) <= tickMs + 1 / perMs, `took ${took} ms for ${expected.toFixed(0)} ms of admissions`);
  });

  test('before the onsale: a seeded random order among the early arrivals (uniform: no advantage for arriving first), then FCFS', async () => {
    const { eventId } = await seedEvent(stack.pool, { seats: 10 });
    const settings = { onsaleAt: new Date(Date.now() + 3_600_000).toISOString(), admissionPerMinute: 600_000 };
    await room(eventId, settings);
    const seed = 'fixed-seed-of-the-statistical-test';
    await stack.pool.query('UPDATE waiting_room.rooms SET shuffle_seed = $2 WHERE event_id = $1', [eventId, seed]);
    await room(eventId, settings); // publishes the row again, seed included
    await arrive(eventId);
    await new Promise((resolve) => setTimeout(resolve, 3 * tickMs));
    assert.equal(admittedCount(eventId), 0, 'nobody is admitted before the onsale');
    const early = await queue.place(eventId, account(0));
    assert.equal(early?.room.state, 'before_onsale');

    // The organizer brings the onsale forward to now; a buyer arriving after it queues behind every early arrival.
    await room(eventId, { ...settings, onsaleAt: new Date().toISOString() });
    await waitUntil('the onsale to open', async () => (await queue.place(eventId, account(0)))?.room.state === 'admitting', { intervalMs: 20 });
    const late = await queue.join(eventId, 'late-buyer', '10.9.9.9');
    assert.equal(late.kind, 'joined');
    await waitUntil('every arrival admitted', async () => admittedCount(eventId) >= arrivals + 1, { timeoutMs: 30_000, intervalMs: 100 });

    const rankOf = (a: string) => parseInt(createHash('sha1').update(`${seed}:${a}`).digest('hex').slice(0, 13), 16);
    const order = admittedSteps(eventId)
      .sort((a, b) => a.result.now.getTime() - b.result.now.getTime() || rankOf(a.result.admitted[0]!.account) - rankOf(b.result.admitted[0]!.account))
      .flatMap((s) => s.result.admitted.map((a) => a.account));
    assert.equal(new Set(order).size, arrivals + 1);
    assert.equal(order.at(-1), 'late-buyer', 'the buyer who came after the onsale is admitted after every early arrival');
    const early10k = order.slice(0, arrivals);
    // Seeded: exactly the order the seed gives, reproducible from the seed alone.
    assert.deepEqual(
      early10k,
      Array.from({ length: arrivals }, (_, i) => account(i)).sort((a, b) => rankOf(a) - rankOf(b)),
    );
    // Uniform: admission position is independent of arrival position.
    const arrivalIndex = early10k.map(indexOf);
    const stats = independence(arrivalIndex);
    assert.ok(Math.abs(stats.spearman) < 0.04, `Spearman rank correlation ${stats.spearman.toFixed(4)}`);
    assert.ok(stats.chiSquare < chiSquareCritical, `chi-square ${stats.chiSquare.toFixed(1)} (81 df) above ${chiSquareCritical}`);
    const firstThousand = arrivalIndex.slice(0, 1000).reduce((a, b) => a + b, 0) / 1000;
    assert.ok(Math.abs(firstThousand - (arrivals - 1) / 2) < 400, `the first 1,000 admitted arrived at ${firstThousand.toFixed(0)} on average`);
    // The same statistics reject arrival order itself: they can fail.
    const fcfs = independence(Array.from({ length: arrivals }, (_, i) => i));
    assert.ok(fcfs.spearman > 0.99 && fcfs.chiSquare > 10 * chiSquareCritical);
  });
});

/** chi-square with (10-1)×(10-1) = 81 degrees of freedom at p = 0.0005 (Wilson–Hilferty). */
const chiSquareCritical = 130;

/**
 * How independent admission position (the array index) is of arrival
 * position (the value): Spearman's rank correlation, and chi-square of the
 * 10×10 table of arrival decile against admission decile.
 */
function independence(arrivalByAdmission: number[]): { spearman: number; chiSquare: number } {
  const n = arrivalByAdmission.length;
  let d2 = 0;
  const table = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  arrivalByAdmission.forEach((arrival, admission) => {
    d2 += (arrival - admission) ** 2;
    table[Math.floor((admission * 10) / n)]![Math.floor((arrival * 10) / n)]! += 1;
  });
  const expected = n / 100;
  const chiSquare = table.flat().reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
  return { spearman: 1 - (6 * d2) / (n * (n * n - 1)), chiSquare };
}
