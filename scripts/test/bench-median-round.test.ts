/** How the booking benchmark sums up its rounds: the round with the median API / pgbench ratio, and the range. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { medianRound } from '../bench/lib.js';

test('the median round is the one whose ratio is in the middle, reported whole, with the lowest and highest ratio', () => {
  const api = [
    { rate: 100, round: 1 },
    { rate: 150, round: 2 },
    { rate: 120, round: 3 },
  ];
  const pgbench = [{ rate: 400 }, { rate: 250 }, { rate: 200 }];
  const m = medianRound(api, pgbench);
  // Ratios 0.25, 0.6, 0.6 → sorted 0.25, 0.6 (round 2), 0.6 (round 3): the middle one is round 2's.
  assert.equal(m.api.round, 2);
  assert.equal(m.baseline, pgbench[1]);
  assert.equal(m.ratio, 0.6);
  assert.equal(m.low, 0.25);
  assert.equal(m.high, 0.6);
});

test('with an even count the lower median is taken; one round is its own median', () => {
  const m = medianRound([{ rate: 10 }, { rate: 40 }, { rate: 30 }, { rate: 20 }], [{ rate: 100 }, { rate: 100 }, { rate: 100 }, { rate: 100 }]);
  assert.equal(m.ratio, 0.2);
  assert.deepEqual([m.low, m.high], [0.1, 0.4]);
  assert.equal(medianRound([{ rate: 5 }], [{ rate: 10 }]).ratio, 0.5);
});

test('runs without a baseline each are refused', () => {
  assert.throws(() => medianRound([{ rate: 1 }, { rate: 2 }], [{ rate: 1 }]), /2 runs against 1 baselines/);
  assert.throws(() => medianRound([], []), /0 runs/);
});
