/**
 * Finds the repository's test files. Node 20's `--test` takes no globs, so
 * the layouts we test are spelled out here, in one place.
 */
import { readdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { StackError } from './errors.js';

/** The layouts searched, for messages and docs. */
export const testFileLayouts = [
  'services/*/test/**/*.test.ts',
  'charts/test/**/*.test.ts',
  'tools/**/test/**/*.test.ts',
  'scripts/test/**/*.test.ts',
  'load-testing/test/**/*.test.ts',
] as const;

const skippedDirs = new Set(['node_modules', 'dist', 'build']);

/** Whether a repo-relative path (with `/` separators) is a test file of one of the layouts. */
export function isTestFile(path: string): boolean {
  if (!path.endsWith('.test.ts')) return false;
  const parts = path.split('/');
  const dirs = parts.slice(0, -1);
  switch (parts[0]) {
    case 'services':
      return dirs[2] === 'test';
    case 'charts':
    case 'scripts':
    case 'load-testing':
      return dirs[1] === 'test';
    case 'tools':
      return dirs.slice(1).includes('test');
    default:
      return false;
  }
}

/** Every test file under `root`, repo-relative with `/` separators, sorted. */
export function findTestFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || skippedDirs.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const rel = relative(root, path).split(sep).join('/');
        if (isTestFile(rel)) found.push(rel);
      }
    }
  };
  for (const top of ['services', 'charts', 'tools', 'scripts', 'load-testing']) {
    try {
      walk(join(root, top));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return found.sort();
}

/**
 * Keeps the files matching any filter. A filter is a path (file or folder,
 * relative to `cwd` or absolute) or, failing that, a substring of the
 * repo-relative path: `services/booking`, `holds.test.ts`, `stack`.
 */
export function filterTestFiles(files: readonly string[], filters: readonly string[], root: string, cwd = root): string[] {
  if (filters.length === 0) return [...files];
  const selected = new Set<string>();
  for (const filter of filters) {
    const asPath = relative(root, isAbsolute(filter) ? filter : resolve(cwd, filter))
      .split(sep)
      .join('/');
    const byPath = files.filter((file) => asPath === '' || file === asPath || file.startsWith(`${asPath}/`));
    const matches = byPath.length > 0 ? byPath : files.filter((file) => file.includes(filter));
    if (matches.length === 0) {
      throw new StackError(`No test file matches "${filter}". Test files live in: ${testFileLayouts.join(', ')}.`);
    }
    for (const file of matches) selected.add(file);
  }
  return files.filter((file) => selected.has(file));
}
