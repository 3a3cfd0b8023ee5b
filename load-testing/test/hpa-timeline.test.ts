import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyseHpaTimeline, formatHpaReport, quantity } from '../hpa/timeline.js';
import { hpaSequence, merge } from './fixtures/make-hpa.js';

const start = Date.parse('2026-12-01T10:00:00Z');
// Load from sample 2 (t=30 s) to sample 14 (t=210 s); samples every 15 s until t=600 s.
const loadStartedAt = start + 30_000;
const loadEndedAt = start + 210_000;
const booking = { min: 1, max: 3, cpuTarget: 65, rpsTarget: 150, start };

/** Booking under a spike: desired rises 40 s in, pods follow, and after the 5-minute stabilization it comes back to 1. */
const scales = hpaSequence(
  'booking',
  [
    [1, 1, 1, 5, 0.5],
    [1, 1, 1, 5, 0.5],
    [1, 1, 1, 40, 80],
    [3, 1, 1, 180, 420],
    [3, 3, 1, 170, 400],
    [3, 3, 3, 90, 140],
    [3, 3, 3, 85, 135],
    [3, 3, 3, 80, 130],
    [3, 3, 3, 82, 131],
    [3, 3, 3, 80, 130],
    [3, 3, 3, 81, 129],
    [3, 3, 3, 80, 130],
    [3, 3, 3, 79, 128],
    [3, 3, 3, 80, 130],
    [3, 3, 3, 30, 20],
    ...Array.from({ length: 20 }, (): [number, number, number, number, number] => [3, 3, 3, 4, 0.4]),
    [1, 3, 3, 4, 0.4],
    [1, 1, 1, 5, 0.5],
    [1, 1, 1, 5, 0.5],
    [1, 1, 1, 5, 0.5],
    [1, 1, 1, 5, 0.5],
  ],
  booking,
);

test('a service that scaled up under load and back down after passes, with when and how far', () => {
  const report = analyseHpaTimeline(scales, { loadStartedAt, loadEndedAt });
  const [verdict] = report.services;
  assert.equal(report.passed, true);
  assert.equal(verdict!.startReplicas, 1);
  assert.equal(verdict!.peakReplicas, 3);
  assert.equal(verdict!.scaledUpAfterSeconds, 15, 'desired rose at the first sample after the load reached the pods');
  assert.equal(verdict!.scaledDownAfterSeconds, 22 * 15, 'the first sample with desired and current back at 1');
  assert.equal(verdict!.requestRateMetricMissing, false);
  const peak = verdict!.timeline.find((p) => p.t === 15)!;
  assert.deepEqual([peak.cpuPercent, peak.cpuTargetPercent, peak.requestRatePerPod, peak.requestRateTarget, peak.requestRate], [180, 65, 420, 150, 420]);
  assert.match(formatHpaReport(report), /booking\s+scaled up 1 → 3 \(of 3\) after 15 s, back down 330 s after the load/);
});

test('still scaled out when the watch ends: up but not down, so the run fails', () => {
  const cut = scales.slice(0, 25);
  const report = analyseHpaTimeline(cut, { loadStartedAt, loadEndedAt });
  assert.equal(report.services[0]!.scaledUp, true);
  assert.equal(report.services[0]!.scaledDown, false);
  assert.equal(report.passed, false);
  assert.match(formatHpaReport(report), /did NOT come back down/);
  // While the load is still running nothing can have come down yet.
  assert.equal(analyseHpaTimeline(cut, { loadStartedAt }).services[0]!.scaledDown, false);
});

test('a service whose request-rate metric is <unknown> and that never scaled is named, and fails the expected list', () => {
  const flat = hpaSequence(
    'catalog',
    scales.map((): [number, number, number, number, null] => [1, 1, 1, 20, null]),
    { ...booking, rpsTarget: 200 },
  );
  const report = analyseHpaTimeline(merge(scales, flat), { loadStartedAt, loadEndedAt, expected: ['booking', 'catalog'] });
  const catalog = report.services.find((s) => s.hpa === 'catalog')!;
  assert.equal(catalog.scaledUp, false);
  assert.equal(catalog.requestRateMetricMissing, true);
  assert.equal(report.passed, false);
  assert.match(formatHpaReport(report), /catalog\s+did NOT scale up — request-rate metric <unknown>/);
  // Only booking expected: catalog is reported, not judged.
  assert.equal(analyseHpaTimeline(merge(scales, flat), { loadStartedAt, loadEndedAt, expected: ['booking'] }).passed, true);
  assert.equal(analyseHpaTimeline(scales, { loadStartedAt, loadEndedAt, expected: ['booking', 'gateway'] }).passed, false, 'an expected HPA never seen fails');
});

test('pre-existing scale-out is not taken for a reaction to the load', () => {
  const already = hpaSequence(
    'booking',
    scales.map((): [number, number, number, number, number] => [3, 3, 3, 10, 5]),
    booking,
  );
  const verdict = analyseHpaTimeline(already, { loadStartedAt, loadEndedAt }).services[0]!;
  assert.equal(verdict.startReplicas, 3);
  assert.equal(verdict.scaledUp, false);
});

test('Kubernetes quantities', () => {
  assert.deepEqual(
    ['150', '1500m', '2k', 7, undefined, 'x'].map((q) => quantity(q)),
    [150, 1.5, 2000, 7, undefined, undefined],
  );
});
