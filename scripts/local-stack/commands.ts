/** Running a command to completion, finding executables, showing the end of its output. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { StackError } from './errors.js';

/** True when `command` is an executable on PATH (or an existing path). */
export function commandExists(command: string, pathVariable = process.env['PATH']): boolean {
  if (command.includes('/')) return existsSync(command);
  return (pathVariable ?? '')
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        return statSync(join(dir, command)).isFile();
      } catch {
        return false;
      }
    });
}

export interface CommandResult {
  code: number;
  /** stdout and stderr interleaved, as a person would have seen them. */
  output: string;
}

/**
 * Runs a command to completion and captures its output. A missing executable
 * is a StackError naming it; a non-zero exit is returned, not thrown, so the
 * caller can explain what the failure means.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    showOutput?: boolean;
    /** Interrupts the command (SIGINT, then SIGKILL 10 s later) when it runs longer. */
    timeoutMs?: number;
    /** Run in its own process group, out of reach of the terminal's Ctrl-C. @default true */
    detached?: boolean;
  } = {},
): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: Ctrl-C reaches only our script, which then decides
      // what to undo, instead of killing e.g. pg_ctl half-way through a start.
      detached: options.detached ?? true,
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      // Progress of long installs goes to stderr so stdout stays clean.
      if (options.showOutput) process.stderr.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new StackError(`Could not run \`${command}\`: it is not installed or not on PATH.`) : error);
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            child.kill('SIGINT');
            setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
          }, options.timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

/** Last `count` lines of a text (for showing the end of a log). */
export function lastLines(text: string, count: number): string {
  return text.replace(/\s+$/, '').split('\n').slice(-count).join('\n');
}

/** Last `count` lines of a file, or '' when it does not exist. */
export function tailFile(path: string, count = 30): string {
  try {
    return lastLines(readFileSync(path, 'utf8'), count);
  } catch {
    return '';
  }
}
