/** Pid lock files, so a second copy of a script says who already runs instead of fighting over ports. */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { StackError } from './errors.js';
import { readLivePid } from './pids.js';

export interface Lock {
  /** Pid of an earlier holder that died without releasing the lock, if any. */
  readonly stalePid: number | undefined;
  release(): void;
}

/**
 * Takes a pid lock file so a second copy of a script can say who is already
 * running instead of fighting over ports and data. A lock left behind by a
 * process that died is taken over (and reported through `stalePid`).
 */
export function acquireLock(path: string, what: string): Lock {
  let stalePid: number | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        stalePid,
        release: () => {
          if (readLivePid(path) === process.pid) unlinkSync(path);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readLivePid(path);
    if (holder !== undefined && holder !== process.pid) {
      throw new StackError(`${what} is already running (pid ${holder}). Stop it first (Ctrl-C in its terminal, or kill ${holder}).`);
    }
    stalePid = Number.parseInt(readFileSync(path, 'utf8'), 10) || undefined;
    unlinkSync(path);
  }
  throw new StackError(`Could not take the lock file ${path}; remove it if no ${what} is running.`);
}
