import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Certificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import { ClusterIssuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer';
import { supportedKubernetes } from '../kubernetes.js';
import { byKind, listFiles, loadManifests } from './support/manifests.js';
import { repoRoot } from './support/paths.js';
import { ensureSchemas } from './support/schemas.js';
import { ensureGoTool, kubeconform } from './support/tools.js';

/**
 * Kinds without a CRD in ../shared/crds: validated with their typed model
 * (which carries the upstream schema) instead of kubeconform.
 */
const validatedByModel = { ClusterIssuer, Certificate } as const;

type Report = { resources: { filename: string; kind: string; name: string; status: string; msg: string }[] };

/** kubeconform -strict over `args` (files, or `-` with `input`); its JSON report and whether it passed. */
async function kubeconformRun(schemaLocation: string, args: string[], input?: string): Promise<{ ok: boolean; output: string }> {
  const bin = await ensureGoTool(kubeconform, { log: () => {} });
  try {
    const output = execFileSync(bin, ['-strict', '-summary', '-output', 'json', '-schema-location', schemaLocation, ...args], {
      cwd: repoRoot,
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    }).toString();
    return { ok: true, output };
  } catch (error) {
    const e = error as { stdout?: Buffer; stderr?: Buffer };
    return { ok: false, output: `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}` };
  }
}

// The two ends of the supported range: an API that exists only at one end fails here.
for (const version of [supportedKubernetes.lowest, supportedKubernetes.highest]) {
  const module = supportedKubernetes.schemaModules[version];
  describe(`Kubernetes ${version} (${module})`, () => {
    test('every object in dist/ and argocd/ validates strictly (kubeconform, offline schemas incl. CRDs)', { timeout: 900_000 }, async () => {
      const schemaLocation = ensureSchemas(module);
      const files = ['dist', 'argocd'].flatMap((top) => listFiles(join(repoRoot, top)).map((f) => join(top, f)));
      assert.ok(files.length > 0, 'nothing rendered: run `npm run synth`');
      const run = await kubeconformRun(schemaLocation, ['-skip', Object.keys(validatedByModel).join(','), ...files]);
      if (!run.ok) {
        const report = JSON.parse(run.output.slice(0, run.output.lastIndexOf('}') + 1) || '{"resources":[]}') as Report;
        const bad = report.resources.filter((r) => r.status !== 'statusValid' && r.status !== 'statusSkipped');
        assert.fail(`kubeconform rejected ${bad.length} object(s):\n${bad.map((r) => `  ${r.filename} ${r.kind}/${r.name}: ${r.msg}`).join('\n')}`);
      }
      const report = JSON.parse(run.output) as { summary: { valid: number; invalid: number; errors: number; skipped: number } };
      assert.equal(report.summary.invalid + report.summary.errors, 0);
      const manifests = loadManifests();
      const skippedExpected = manifests.filter((m) => m.object.kind in validatedByModel).length;
      assert.equal(report.summary.skipped, skippedExpected, 'kubeconform skipped objects it should have validated');
      assert.equal(report.summary.valid, manifests.length - skippedExpected, 'not every object was validated');
    });

    test('strict validation really rejects unknown fields, in specs and in every metadata (the schemas are strict)', { timeout: 900_000 }, async () => {
      const schemaLocation = ensureSchemas(module);
      const bogus = [
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: x, image: "x:1", bogusField: 1}]\n',
        'apiVersion: kafka.strimzi.io/v1\nkind: KafkaTopic\nmetadata: {name: x}\nspec: {partitions: 1, replicas: 1, bogusField: 1}\n',
        'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\nspec: {project: p, destination: {server: s}, bogusField: 1}\n',
        // Custom resources' metadata is checked as ObjectMeta (CRDs leave it a bare object).
        'apiVersion: kafka.strimzi.io/v1\nkind: KafkaTopic\nmetadata: {name: x, lables: {a: b}}\nspec: {partitions: 1, replicas: 1}\n',
        'apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: x, annotations: {a: b}, bogusField: 1}\nspec: {instances: 1}\n',
        'apiVersion: barmancloud.cnpg.io/v1\nkind: ObjectStore\nmetadata: {name: x}\nspec: {configuration: {destinationPath: "s3://b/", bogusField: 1}}\n',
        // The edge: Gateway API (sigs.k8s.io/gateway-api) and Traefik's Middleware (its Go module), both through the Go proxy.
        'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: x}\nspec: {gatewayClassName: c, listeners: [{name: h, protocol: HTTP, port: 8000, bogusField: 1}]}\n',
        'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: x, lables: {a: b}}\nspec: {hostnames: [a.example.com]}\n',
        'apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata: {name: x}\nspec: {rateLimit: {average: 1, bogusField: 1}}\n',
      ];
      for (const doc of bogus) {
        const run = await kubeconformRun(schemaLocation, ['-'], doc);
        assert.equal(run.ok, false, `kubeconform accepted:\n${doc}`);
        assert.match(
          run.output,
          /additional properties '(bogusField|lables)' not allowed/,
          `kubeconform did not reject the unknown field:\n${doc}\n${run.output}`,
        );
      }
      const fine =
        'apiVersion: kafka.strimzi.io/v1\nkind: KafkaTopic\nmetadata: {name: x, labels: {a: b}, annotations: {c: d}}\nspec: {partitions: 1, replicas: 1}\n';
      assert.ok((await kubeconformRun(schemaLocation, ['-'], fine)).ok, 'a correct KafkaTopic must pass');
    });
  });
}

test('kinds without a shared CRD validate against their typed model', () => {
  const manifests = loadManifests();
  assert.ok(byKind(manifests, 'Certificate').length > 0, 'the public Gateway has a Certificate');
  for (const [kind, Model] of Object.entries(validatedByModel)) {
    for (const m of byKind(manifests, kind)) {
      assert.doesNotThrow(() => new Model(m.object as never).validate(), `${m.file} ${kind}/${m.object.metadata.name}`);
    }
  }
});
