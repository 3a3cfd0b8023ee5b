/** A background loop's pause between polls, which a wake-up ends early. */
export interface WakeableSleep {
  /**
   * Waits `ms`, or less when woken. A wake-up that came while the loop was
   * busy (no sleep under way) is kept: the next sleep returns at once, so the
   * work it announced is done now rather than at the next poll. A sleep with
   * `wakeable: false` (a failure's backoff) ends early only on `stop()`.
   */
  sleep(ms: number, options?: { wakeable?: boolean }): Promise<void>;
  /** Ends the current sleep, or the next one if none is under way. */
  wake(): void;
  /** Forgets the wake-ups so far: call it just before looking for work, which then sees what they announced. */
  forgetWakeUps(): void;
  /** Ends the current sleep and makes every later one return at once (the loop is stopping). */
  stop(): void;
}

/**
 * A pause a background loop takes between polls, which `wake()` ends early
 * (after a write, or to stop): the loop reacts at once instead of at the
 * next poll.
 */
export function wakeableSleep(): WakeableSleep {
  let stopped = false;
  /** A wake-up not yet served by a sleep ending or by `forgetWakeUps()`. */
  let woken = false;
  let sleeping: { end: () => void; wakeable: boolean } | undefined;
  return {
    sleep: (ms, { wakeable = true } = {}) =>
      new Promise<void>((resolve) => {
        if (stopped || (wakeable && woken)) {
          if (wakeable) woken = false;
          return resolve();
        }
        const end = () => {
          clearTimeout(timer);
          sleeping = undefined;
          resolve();
        };
        const timer = setTimeout(end, ms);
        sleeping = { end, wakeable };
      }),
    wake: () => {
      if (sleeping?.wakeable) sleeping.end();
      else woken = true;
    },
    forgetWakeUps: () => {
      woken = false;
    },
    stop: () => {
      stopped = true;
      sleeping?.end();
    },
  };
}
