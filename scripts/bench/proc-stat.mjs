/**
 * CPU seconds from a /proc stat file (a process's or a thread's), shared by
 * the benchmarks' TypeScript and their plain-JavaScript worker threads.
 */
import { readFileSync } from 'node:fs';

/**
 * utime + stime of `file` (e.g. /proc/<pid>/stat, /proc/thread-self/stat) in
 * seconds, or undefined when the process or thread is gone.
 * @param {string} file
 * @returns {number | undefined}
 */
export function statCpuSeconds(file) {
  try {
    const stat = readFileSync(file, 'utf8');
    // The command name in parentheses may hold spaces: the fields start after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ
  } catch {
    return undefined;
  }
}
