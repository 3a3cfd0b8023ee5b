import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { wakeableSleep } from '../src/wakeable-sleep.js';

describe('wakeableSleep', () => {
  test('a wake-up with no sleep under way ends the next sleep at once; one during a sleep ends it', async () => {
    const pause = wakeableSleep();
    pause.wake();
    let started = Date.now();
    await pause.sleep(5_000);
    assert.ok(Date.now() - started < 1_000, 'the kept wake-up ended the sleep');
    started = Date.now();
    const sleeping = pause.sleep(300);
    pause.forgetWakeUps();
    await sleeping;
    assert.ok(Date.now() - started >= 250, 'the wake-up was served once, not kept for ever');
    started = Date.now();
    setTimeout(() => pause.wake(), 20);
    await pause.sleep(5_000);
    assert.ok(Date.now() - started < 1_000);
  });

  test('a backoff (wakeable: false) ignores wake-ups but keeps them for the next sleep; stop ends every sleep', async () => {
    const pause = wakeableSleep();
    let started = Date.now();
    setTimeout(() => pause.wake(), 20);
    await pause.sleep(300, { wakeable: false });
    assert.ok(Date.now() - started >= 250, 'the backoff ran its course');
    started = Date.now();
    await pause.sleep(5_000);
    assert.ok(Date.now() - started < 1_000, 'the wake-up that came during the backoff was kept');
    setTimeout(() => pause.stop(), 20);
    await pause.sleep(5_000, { wakeable: false });
    await pause.sleep(5_000);
    assert.ok(Date.now() - started < 1_000, 'stop ends the sleep under way and every later one');
  });
});
