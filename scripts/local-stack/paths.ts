import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, whatever the current directory is. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Git-ignored home of everything the local tooling creates (data, caches, secrets). */
export const localDir = resolve(repoRoot, '.local');
