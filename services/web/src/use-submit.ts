import { useState } from 'preact/hooks';
import { ApiError } from './api.js';

/**
 * A form that sends something and then moves on: `submit(work)` is its
 * onSubmit handler; while `work` runs the form is `busy`, and a failure is
 * kept as `error` (an ApiError, whose message the form shows) and the form is
 * usable again. After success it stays busy: the page is being left.
 */
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const submit = (work: (form: FormData) => Promise<void>) => async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(undefined);
    try {
      await work(form);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, 'error', 'Something went wrong. Please try again.'));
      setBusy(false);
    }
  };
  return { busy, error, submit };
}
