import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { arrivalsBy } from '../lib/engine.js';
import { fromK6Summary } from '../lib/k6.js';
import { evaluateThresholds, formatSummary, RunRecorder, type RunResult } from '../lib/results.js';
import {
  buyerOf,
  classify,
  iterationRandom,
  k6Options,
  parseSeconds,
  scenario,
  scenarioNames,
  type Answer,
  type PlannedRequest,
  type Thresholds,
} from '../scenarios.js';

/** Pure parts of the load runs: the scenarios' definitions, the threshold verdicts and the summary, on hand-made results. */

const thresholds: Thresholds = {
  latencyMs: { 'POST /holds': { p95: 500, p99: 1000 }, 'GET /events': { p95: 300, p99: 600 } },
  maxErrorRate: 0.01,
  maxDroppedIterations: 0,
  minOutcomes: { confirmed: 1, 'seats-taken': 1 },
};

/** A run of 200 holds (20 of them 409) at 10–209 ms and 100 searches, 1 error. */
function handMade(): RunRecorder {
  const recorder = new RunRecorder('spike');
  for (let i = 0; i < 200; i += 1) recorder.request('POST /holds', i < 20 ? 409 : 201, i < 20 ? 'seats-taken' : 'held', 10 + i);
  for (let i = 0; i < 100; i += 1) recorder.request('GET /events', i === 0 ? 500 : 200, i === 0 ? 'error' : 'ok', 5);
  recorder.count('confirmed');
  recorder.iterations.completed = 100;
  return recorder;
}

const verdicts = (result: RunResult) => Object.fromEntries(evaluateThresholds(thresholds, result).map((c) => [c.threshold, c.ok]));

describe('thresholds and summary', () => {
  test('a run within every limit passes; exact nearest-rank percentiles; 409s are outcomes, not errors', () => {
    const result = handMade().result(10);
    assert.deepEqual(result.requests['POST /holds']!.latencyMs, { p50: 109, p95: 199, p99: 207, max: 209 });
    assert.deepEqual(result.totals, { requests: 300, errors: 1 });
    assert.equal(result.outcomes['seats-taken'], 20);
    const checks = evaluateThresholds(thresholds, result);
    assert.ok(
      checks.every((c) => c.ok),
      JSON.stringify(checks),
    );
    const summary = formatSummary(result, checks);
    assert.match(summary, /^POST \/holds\s+200\s+201×180 409×20\s+0\s+109\s+199\s+207\s+209$/m);
    assert.match(summary, /^GET \/events\s+100\s+200×99 500×1\s+1\s/m);
    assert.match(summary, /error rate .*0\.33 % \(1 of 300\)\s+ok$/m);
    assert.match(summary, /thresholds: all held/);
  });

  test('each limit crossed is named: slow p95, too many errors, a dropped iteration, a missing outcome', () => {
    const recorder = handMade();
    for (let i = 0; i < 20; i += 1) recorder.request('POST /holds', 201, 'held', 2000); // p95 and p99 over
    for (let i = 0; i < 5; i += 1) recorder.request('GET /events', 0, 'error', 0); // connection errors
    recorder.iterations.dropped = 1;
    const result = recorder.result(10);
    const v = verdicts({ ...result, outcomes: { ...result.outcomes, confirmed: 0 } });
    assert.equal(v['p95 POST /holds'], false);
    assert.equal(v['p99 POST /holds'], false);
    assert.equal(v['p95 GET /events'], true, 'connection errors have no latency');
    assert.equal(v['error rate (409 seats taken and 402 declined are not errors)'], false);
    assert.equal(v['dropped iterations'], false);
    assert.equal(v['outcome confirmed'], false);
    assert.equal(v['outcome seats-taken'], true);
    assert.match(formatSummary(result, evaluateThresholds(thresholds, result)), /thresholds: 4 crossed/);
  });

  test('a run that sent nothing does not pass', () => {
    const v = verdicts(new RunRecorder('smoke').result(1));
    assert.equal(v['error rate (409 seats taken and 402 declined are not errors)'], false);
    assert.equal(v['outcome confirmed'], false);
  });

  test("k6's summary becomes the same result, judged the same way", () => {
    const result = fromK6Summary('spike', thresholds, {
      metrics: {
        http_reqs: { count: 301, rate: 30.1 },
        iterations: { count: 100 },
        dropped_iterations: { count: 3 },
        request_errors: { passes: 2, fails: 298, value: 2 / 300 },
        'http_req_duration{name:POST /holds}': { count: 200, med: 100, 'p(95)': 450, 'p(99)': 1200, max: 1500 },
        'outcomes{outcome:confirmed}': { count: 80 },
        'outcomes{outcome:seats-taken}': { count: 0 },
      },
    });
    assert.deepEqual(result.totals, { requests: 300, errors: 2 });
    assert.deepEqual(result.iterations, { completed: 100, dropped: 3, interrupted: 0 });
    assert.deepEqual(result.requests['POST /holds']!.latencyMs, { p50: 100, p95: 450, p99: 1200, max: 1500 });
    const v = verdicts(result);
    assert.deepEqual(
      [v['p95 POST /holds'], v['p99 POST /holds'], v['dropped iterations'], v['outcome confirmed'], v['outcome seats-taken']],
      [true, false, false, true, false],
    );
  });
});

describe('scenarios', () => {
  const holdRequest = (): PlannedRequest => {
    const flow = scenario('spike').flow({ target: { eventId: 'e1', search: '' }, random: () => 0, count: () => undefined });
    const first = flow.next();
    assert.equal(!first.done && first.value.name, 'GET /events/{id}/availability');
    const availability: Answer = { status: 200, outcome: 'ok', body: { seats: [{ seatId: 's1', status: 'available' }], generalAdmission: [] } };
    const hold = flow.next(availability);
    assert.ok(!hold.done);
    return hold.value;
  };

  test('expected outcomes: 409 seats taken is contention, another 409 or a 500 is an error, a declined card is 402', () => {
    const hold = holdRequest();
    assert.deepEqual(hold.body, { eventId: 'e1', seatIds: ['s1'] });
    assert.equal(classify(hold, 201, { id: 'h1' }), 'held');
    assert.equal(classify(hold, 409, { type: 'https://tickets.example.com/problems/seats-unavailable' }), 'seats-taken');
    assert.equal(classify(hold, 409, { type: 'https://tickets.example.com/problems/not-enough-places' }), 'seats-taken');
    assert.equal(classify(hold, 409, { type: 'https://tickets.example.com/problems/idempotency-key-reused' }), 'error');
    assert.equal(classify(hold, 500, undefined), 'error');
    assert.equal(classify(hold, 0, undefined), 'error');
  });

  test('the buyer flow follows the answers: after a 409 it stops, after a hold it pays, declines or releases', () => {
    const run = (rolls: number[], holdAnswer: Answer) => {
      const flow = scenario('soak').flow({ target: { eventId: 'e1', search: '' }, random: () => rolls.shift() ?? 0, count: () => undefined });
      flow.next();
      flow.next({ status: 200, outcome: 'ok', body: { seats: [{ seatId: 's1', status: 'available' }], generalAdmission: [] } });
      const next = flow.next(holdAnswer);
      return next.done ? undefined : next.value.name + (next.value.body ? ` ${JSON.stringify(next.value.body)}` : '');
    };
    const held: Answer = { status: 201, outcome: 'held', body: { id: 'h1' } };
    assert.equal(run([0, 0, 0.5], { status: 409, outcome: 'seats-taken', body: {} }), undefined);
    assert.equal(run([0, 0, 0.5], held), 'POST /holds/{id}/checkout {"paymentMethod":"pm_card_approved"}');
    assert.equal(run([0, 0, 0.15], held), 'POST /holds/{id}/checkout {"paymentMethod":"pm_card_declined"}');
    assert.equal(run([0, 0, 0.05], held), 'DELETE /holds/{id}');
  });

  test('seeded: the same seed and iteration draw the same numbers, others differ; buyers take turns', () => {
    const draw = (seed: number, iteration: number) => Array.from({ length: 5 }, iterationRandom(seed, iteration));
    assert.deepEqual(draw(7, 2), draw(7, 2));
    assert.notDeepEqual(draw(7, 2), draw(7, 3));
    assert.notDeepEqual(draw(7, 2), draw(8, 2));
    assert.ok(draw(3, 4).every((n) => n >= 0 && n < 1));
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => buyerOf(['a', 'b', 'c'], i)),
      ['a', 'b', 'c', 'a'],
    );
  });

  test('spike: 1× to 10× within 10 s as an open profile; knobs scale it; k6 gets a ramping-arrival-rate executor and the thresholds', () => {
    const spike = scenario('spike', { SPIKE_BASE_RATE: '40', SPIKE_HOLD: '4m', LATENCY_SCALE: '2' });
    assert.equal(spike.profile.kind, 'open');
    const { executor, thresholds: k6Thresholds } = k6Options(spike);
    assert.equal(executor.executor, 'ramping-arrival-rate');
    assert.ok(executor.executor === 'ramping-arrival-rate');
    assert.equal(executor.startRate, 40);
    assert.deepEqual(executor.stages.slice(0, 3), [
      { target: 40, duration: '5s' },
      { target: 400, duration: '10s' },
      { target: 400, duration: '240s' },
    ]);
    assert.deepEqual(k6Thresholds['http_req_duration{name:POST /holds}'], ['p(95)<1000', 'p(99)<3000']);
    assert.deepEqual(k6Thresholds['request_errors'], ['rate<=0.01']);
    assert.deepEqual(k6Thresholds['dropped_iterations'], ['count<=0']);
    assert.deepEqual(k6Thresholds['outcomes{outcome:confirmed}'], ['count>=1']);
    assert.equal(k6Options(scenario('smoke')).executor.executor, 'per-vu-iterations');
    assert.equal(k6Options(scenario('browse')).executor.executor, 'constant-vus');
    assert.deepEqual([...scenarioNames], ['smoke', 'browse', 'spike', 'soak']);
    assert.throws(() => scenario('nope'), /expected one of smoke, browse, spike, soak/);
    assert.throws(() => scenario('spike', { SPIKE_BASE_RATE: 'fast' }), /SPIKE_BASE_RATE=fast/);
    assert.equal(parseSeconds('4m'), 240);
  });

  test('the local arrival scheduler integrates the ramp: 2/s for 5 s, then up to 20/s over 10 s', () => {
    const stages = [
      { target: 2, durationSeconds: 5 },
      { target: 20, durationSeconds: 10 },
    ];
    assert.equal(arrivalsBy(2, stages, 5), 10);
    assert.equal(arrivalsBy(2, stages, 15), 10 + 110);
    assert.equal(arrivalsBy(2, stages, 99), 120, 'nothing arrives after the last stage');
  });
});
