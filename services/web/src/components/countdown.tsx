import { useEffect, useState } from 'preact/hooks';
import { formatCountdown } from '../format.js';

/** Seconds left until `until`, updated every second (null once passed, for the caller to react). */
export function useSecondsLeft(until: string): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [until]);
  return Math.max(0, Math.ceil((new Date(until).getTime() - now) / 1000));
}

/**
 * The visible countdown of a hold. Screen readers are told the time left
 * only at whole minutes and in the last 30 seconds, not every second.
 */
export function Countdown({ seconds }: { seconds: number }) {
  const spoken = seconds % 60 === 0 || seconds === 30 || seconds === 10;
  return (
    <p class={seconds <= 60 ? 'countdown countdown-urgent' : 'countdown'}>
      <span aria-hidden="true">Seats held for {formatCountdown(seconds)}</span>
      <span class="visually-hidden" aria-live="polite">
        {spoken ? `${Math.ceil(seconds / 60)} minute${seconds > 60 ? 's' : ''} left on your hold` : ''}
      </span>
      <span class="visually-hidden">Time left on your hold: {formatCountdown(seconds)}</span>
    </p>
  );
}
