/**
 * Expected failures of the local tooling (port taken, Java missing, a server
 * that will not start) are reported as one clear message, never a stack
 * trace: the person reading it needs to know what to do, not where in our
 * scripts the problem was noticed.
 */

/** A failure whose message alone tells the user what is wrong and what to do. */
export class StackError extends Error {
  /** Extra lines shown under the message, e.g. the tail of a server log. */
  readonly details: string | undefined;

  constructor(message: string, details?: string) {
    super(message);
    this.name = 'StackError';
    this.details = details;
  }
}

/** Formats an error for the terminal: StackErrors without a stack, anything else with one. */
export function describeError(error: unknown): string {
  if (error instanceof StackError) {
    return error.details ? `${error.message}\n${indent(error.details)}` : error.message;
  }
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}

export function indent(text: string, prefix = '  | '): string {
  return text
    .replace(/\s+$/, '')
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

/**
 * Runs a script's main function: an expected failure prints its message and
 * exits 1; an unexpected one keeps its stack trace because that is a bug.
 */
export function runMain(main: () => Promise<number | void>): void {
  const finish = (code: number): void => {
    process.exitCode = code;
    // Normally the process ends by itself now; a handle some library forgot
    // to close must not leave the script hanging after its work is done.
    setTimeout(() => process.exit(code), 3000).unref();
  };
  main().then(
    (code) => finish(code ?? 0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof StackError ? 'error: ' : ''}${describeError(error)}\n`);
      finish(1);
    },
  );
}
