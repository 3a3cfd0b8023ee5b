import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { allServices } from '../../../services/services.js';
import { synthesize } from '../../synth.js';
import { repoRoot } from './paths.js';

/** A Kubernetes object as rendered (loosely typed: the tests check shapes). */

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
};

export interface Manifest {
  /** Path relative to the repository root, e.g. dist/prod/booking.k8s.yaml. */
  readonly file: string;
  readonly env: string;
  readonly object: K8sObject;
}

/** All files below `dir`, relative to `base`, sorted. */
export function listFiles(dir: string, base = dir): string[] {
  let out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    out = e.isDirectory() ? out.concat(listFiles(p, base)) : out.concat(relative(base, p));
  }
  return out.sort();
}

/** Every object of dist/ and argocd/ under `root` (default: the repository). */
export function loadManifests(root = repoRoot): Manifest[] {
  const result: Manifest[] = [];
  for (const top of ['dist', 'argocd']) {
    for (const f of listFiles(join(root, top))) {
      if (!f.endsWith('.yaml')) continue;
      const env = f.split('/')[0]!;
      for (const doc of parseAllDocuments(readFileSync(join(root, top, f), 'utf8'))) {
        if (doc.errors.length > 0) throw new Error(`${top}/${f}: ${doc.errors[0]!.message}`);
        const object = doc.toJS() as K8sObject | null;
        if (object) result.push({ file: `${top}/${f}`, env, object });
      }
    }
  }
  return result;
}

/** Renders the charts into a fresh temporary directory and returns it. */
export function synthToTemp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ticketing-synth-'));
  synthesize(dir, allServices);
  return dir;
}

export const byKind = (ms: readonly Manifest[], kind: string): Manifest[] => ms.filter((m) => m.object.kind === kind);

/** True when every label of `selector` is on `labels`. */
export function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}
