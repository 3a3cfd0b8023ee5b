import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ClusterIssuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer';
import { byKind, listFiles, loadManifests } from './support/manifests.js';
import { repoRoot } from './support/paths.js';
import { ensureSchemas } from './support/schemas.js';
import { ensureGoTool, kubeconform } from './support/tools.js';

/**
 * Kinds without a CRD in ../shared/crds: validated with their typed model
 * (which carries the upstream schema) instead of kubeconform.
 */
const validatedByModel = { ClusterIssuer } as const;

test('every object in dist/ and argocd/ validates strictly (kubeconform, offline schemas incl. CRDs)', { timeout: 900_000 }, async () => {
  const schemaLocation = ensureSchemas();
  const bin = await ensureGoTool(kubeconform, { log: () => {} });
  const files = ['dist', 'argocd'].flatMap((top) => listFiles(join(repoRoot, top)).map((f) => join(top, f)));
  assert.ok(files.length > 0, 'nothing rendered: run `npm run synth`');
  let output: string;
  try {
    output = execFileSync(
      bin,
      ['-strict', '-summary', '-output', 'json', '-schema-location', schemaLocation, '-skip', Object.keys(validatedByModel).join(','), ...files],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    ).toString();
  } catch (error) {
    const e = error as { stdout?: Buffer; stderr?: Buffer };
    output = e.stdout?.toString() ?? '';
    const report = JSON.parse(output || '{"resources":[]}') as { resources: { filename: string; kind: string; name: string; status: string; msg: string }[] };
    const bad = report.resources.filter((r) => r.status !== 'statusValid' && r.status !== 'statusSkipped');
    assert.fail(
      `kubeconform rejected ${bad.length} object(s):\n${bad.map((r) => `  ${r.filename} ${r.kind}/${r.name}: ${r.msg}`).join('\n')}\n${e.stderr?.toString() ?? ''}`,
    );
  }
  const report = JSON.parse(output) as { summary: { valid: number; invalid: number; errors: number; skipped: number } };
  assert.equal(report.summary.invalid + report.summary.errors, 0);
  const manifests = loadManifests();
  const skippedExpected = manifests.filter((m) => m.object.kind in validatedByModel).length;
  assert.equal(report.summary.skipped, skippedExpected, 'kubeconform skipped objects it should have validated');
  assert.equal(report.summary.valid, manifests.length - skippedExpected, 'not every object was validated');
});

test('kinds without a shared CRD validate against their typed model', () => {
  for (const m of byKind(loadManifests(), 'ClusterIssuer')) {
    assert.doesNotThrow(() => new ClusterIssuer(m.object as never).validate(), `${m.file} ClusterIssuer/${m.object.metadata.name}`);
  }
});

test('strict validation really rejects unknown fields (the schemas are strict)', { timeout: 900_000 }, async () => {
  const schemaLocation = ensureSchemas();
  const bin = await ensureGoTool(kubeconform, { log: () => {} });
  const bogus = [
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: x, image: "x:1", bogusField: 1}]\n',
    'apiVersion: kafka.strimzi.io/v1\nkind: KafkaTopic\nmetadata: {name: x}\nspec: {partitions: 1, replicas: 1, bogusField: 1}\n',
    'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\nspec: {project: p, destination: {server: s}, bogusField: 1}\n',
  ];
  for (const doc of bogus) {
    let out = '';
    try {
      execFileSync(bin, ['-strict', '-schema-location', schemaLocation, '-'], { input: doc, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      out = (error as { stdout?: Buffer }).stdout?.toString() ?? '';
    }
    assert.match(out, /additional properties 'bogusField' not allowed/, `kubeconform did not reject the unknown field:\n${doc}\n${out}`);
  }
});
