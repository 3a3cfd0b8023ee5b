import { useState } from 'preact/hooks';
import { ApiError } from './api.js';

export type Outcome = { kind: 'error' | 'success'; text: string };

/** A failure as a sentence to show: the API's own for an ApiError. */
export const failureOf = (error: unknown): string => (error instanceof ApiError ? error.message : 'Something went wrong. Please try again.');

/**
 * An action on a page that stays open (a status change, closing seats):
 * while it runs the page is `busy`; afterwards `outcome` says what happened,
 * `done` on success or the failure as a sentence. `run` answers whether it
 * succeeded, so the page can reload what changed.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const run = async (work: () => Promise<unknown>, done: string, describeFailure: (error: unknown) => string = failureOf): Promise<boolean> => {
    setBusy(true);
    setOutcome(undefined);
    try {
      await work();
      setOutcome({ kind: 'success', text: done });
      return true;
    } catch (error) {
      setOutcome({ kind: 'error', text: describeFailure(error) });
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, outcome, run };
}
