/** Waiting, with a deadline, until a server answers or a condition holds. */
import { setTimeout as sleep } from 'node:timers/promises';
import { StackError } from './errors.js';

export interface WaitOptions {
  /** Human name of what we wait for, used in the timeout message. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /**
   * Checked before every attempt: return an error to give up at once (e.g. the
   * process we wait for has exited, so waiting longer cannot help).
   */
  failIf?: () => Error | undefined;
}

/**
 * Waits until `target` is ready: a URL answering 200, or a function resolving
 * true. Errors thrown by the function count as "not yet", except StackErrors.
 */
export async function waitFor(target: string | (() => Promise<boolean>), options: WaitOptions): Promise<void> {
  const check = typeof target === 'string' ? () => urlAnswers200(target) : target;
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 250;
  for (;;) {
    const failure = options.failIf?.();
    if (failure) throw failure;
    // A StackError from the check is a definitive answer; anything else means "not yet".
    const ready = await check().catch((error: unknown) => {
      if (error instanceof StackError) throw error;
      return false;
    });
    if (ready) return;
    if (Date.now() >= deadline) {
      throw new StackError(`Timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for ${options.what}.`);
    }
    await sleep(interval);
  }
}

async function urlAnswers200(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await response.body?.cancel();
  return response.status === 200;
}
