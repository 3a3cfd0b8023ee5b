import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { localDir, repoRoot } from '../../../scripts/local-stack/paths.js';

export { localDir, repoRoot };

/** Operator CRDs kept beside the repository (not in it): `../shared/crds`, or beside the folder of a git worktree. */
export const sharedCrdsDir =
  [join(repoRoot, '..', 'shared', 'crds'), join(repoRoot, '..', '..', 'shared', 'crds')].find((dir) => existsSync(dir)) ??
  join(repoRoot, '..', 'shared', 'crds');

/** Fails with an explanation when ../shared/crds is absent (e.g. a user's clone). */
export function requireSharedCrds(): string {
  if (!existsSync(sharedCrdsDir)) {
    throw new Error(
      `CRD schemas not found at ${sharedCrdsDir}. The schema tests validate CloudNativePG, Strimzi, ` +
        'prometheus-operator and Argo CD objects against those CRDs; put the shared/crds folder beside ' +
        'the repository (../shared/crds) to run them.',
    );
  }
  return sharedCrdsDir;
}
