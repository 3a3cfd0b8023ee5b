import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { listFiles, synthToTemp } from './support/manifests.js';
import { repoRoot } from './support/paths.js';

test('re-rendering leaves dist/ and argocd/ byte-for-byte unchanged', () => {
  const dir = synthToTemp();
  try {
    const hint = 'run `npm run synth` and commit dist/ and argocd/';
    for (const top of ['dist', 'argocd']) {
      const fresh = listFiles(join(dir, top));
      const committed = listFiles(join(repoRoot, top));
      assert.deepEqual(committed, fresh, `${top}/ has other files than the charts render: ${hint}`);
      for (const f of fresh) {
        const a = readFileSync(join(repoRoot, top, f), 'utf8');
        const b = readFileSync(join(dir, top, f), 'utf8');
        if (a !== b) {
          const al = a.split('\n');
          const bl = b.split('\n');
          const i = al.findIndex((line, n) => line !== bl[n]);
          assert.fail(
            `${top}/${f} differs from what the charts render (first at line ${i + 1}: committed "${al[i] ?? ''}" vs rendered "${bl[i] ?? ''}"): ${hint}`,
          );
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
