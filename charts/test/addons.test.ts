/**
 * The pinned add-ons against what their charts publish (kept next to each
 * pin in charts/addons.ts, as the chart repositories are not reachable from
 * CI): the supported Kubernetes range, values the chart would generate at
 * render time, custom resources whose CRDs arrive in the same sync wave.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import semver from 'semver';
import { allServices } from '../../services/services.js';
import { clusterAddons, waves, type ClusterAddon } from '../addons.js';
import { environments } from '../environments.js';
import { externalSecrets } from '../external-secrets.js';
import { supportedKubernetes, supportedMinorVersions } from '../kubernetes.js';
import { byKind, loadManifests } from './support/manifests.js';
import { repoRoot } from './support/paths.js';

/** The value at a dotted path of a values object. */
function valueAt(values: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), values);
}

/** Add-ons whose chart does not support every minor version of `minors`, with the versions it misses. */
export function uncoveredVersions(addons: readonly ClusterAddon[], minors: readonly string[]): string[] {
  const problems: string[] = [];
  for (const a of addons) {
    const range = a.chartFacts.kubeVersion;
    assert.ok(semver.validRange(range), `${a.name}: kubeVersion "${range}" is not a semver range`);
    const missing = minors.filter((m) => !semver.satisfies(`${m}.0`, range, { includePrerelease: true }));
    if (missing.length > 0)
      problems.push(`${a.name} ${a.version} (kubeVersion ${range}, from ${a.chartFacts.kubeVersionSource}) does not support ${missing.join(', ')}`);
  }
  return problems;
}

test(`every pinned add-on supports every Kubernetes version of the range (${supportedKubernetes.lowest}–${supportedKubernetes.highest})`, () => {
  const minors = supportedMinorVersions();
  assert.ok(minors.length >= 2, 'a range of at least two minor versions');
  assert.deepEqual(uncoveredVersions(clusterAddons, minors), []);
});

test('the range check catches an add-on that stops short of it (ingress-nginx 4.14.3 supported Kubernetes ≤ 1.34)', () => {
  const retired: ClusterAddon = {
    ...clusterAddons.find((a) => a.name === 'traefik')!,
    name: 'ingress-nginx',
    version: '4.14.3',
    chartFacts: { ...clusterAddons[0]!.chartFacts, kubeVersion: '>=1.30.0-0 <1.35.0-0', kubeVersionSource: 'its README' },
  };
  assert.match(uncoveredVersions([retired], supportedMinorVersions()).join('\n'), /ingress-nginx 4\.14\.3 .* does not support 1\.35, 1\.36/);
});

test('each add-on is either a pinned Helm chart or a folder of manifests at a git tag', () => {
  for (const a of clusterAddons) {
    assert.ok(Boolean(a.chart) !== Boolean(a.path), `${a.name}: exactly one of chart and path`);
    if (a.path) assert.match(a.version, /^v\d+\.\d+\.\d+$/, `${a.name}: a git tag, never a branch`);
    if (a.path) assert.deepEqual(a.values(environments[0]!), {}, `${a.name}: plain manifests take no values`);
  }
});

test('the README and docs/gitops.md state the supported range', () => {
  const range = `${supportedKubernetes.lowest}–${supportedKubernetes.highest}`;
  for (const file of ['README.md', 'docs/gitops.md']) {
    assert.ok(readFileSync(join(repoRoot, file), 'utf8').includes(`Kubernetes ${range}`), `${file} must say "Kubernetes ${range}"`);
  }
});

test('docs/gitops.md has one table row per add-on with its pinned version and the reason', () => {
  const doc = readFileSync(join(repoRoot, 'docs/gitops.md'), 'utf8');
  for (const a of clusterAddons) {
    const row = doc.split('\n').find((line) => line.startsWith(`| ${a.name} |`));
    assert.ok(row, `docs/gitops.md: no add-on row for ${a.name}`);
    assert.ok(row.includes(`| ${a.version} |`), `docs/gitops.md: ${a.name} row must show version ${a.version}: ${row}`);
    assert.ok(row.includes(a.reason), `docs/gitops.md: ${a.name} row must give its reason ("${a.reason}")`);
  }
});

test('renders are deterministic: nothing a chart would generate at render time is left unset', () => {
  for (const a of clusterAddons) {
    for (const env of environments) {
      const values = a.values(env);
      for (const g of a.chartFacts.generatedUnlessSet) {
        const v = valueAt(values, g.path);
        assert.ok(v !== undefined && v !== '' && v !== null, `${a.name} (${env.name}): ${g.path} is unset, so the chart generates ${g.generates}`);
      }
    }
  }
  // And the rendered Applications carry exactly these values (a second render is byte-equal: synth.test.ts).
  for (const m of byKind(loadManifests(), 'Application')) {
    const addon = clusterAddons.find((a) => a.name === m.object.metadata.name);
    const env = environments.find((e) => e.name === m.env);
    if (addon?.chart && env) assert.deepEqual(m.object['spec'].source.helm.valuesObject, JSON.parse(JSON.stringify(addon.values(env))), m.object.metadata.name);
  }
});

test('credentials an add-on reads from a Secret are listed as made outside git', () => {
  const listed = externalSecrets(allServices).map((s) => `${s.namespace}/${s.name}`);
  const grafana = clusterAddons.find((a) => a.name === 'kube-prometheus-stack')!;
  for (const env of environments) {
    const secret = valueAt(grafana.values(env), 'grafana.admin.existingSecret');
    assert.ok(
      listed.includes(`${grafana.namespace}/${String(secret)}`),
      `Grafana's admin Secret ${String(secret)} must be listed in charts/external-secrets.ts`,
    );
  }
});

test('an add-on rendering custom resources whose CRDs another add-on of the same (or a later) wave installs skips the dry run for them', () => {
  for (const a of clusterAddons) {
    for (const group of a.chartFacts.rendersCustomResourcesOf) {
      const installers = clusterAddons.filter((b) => b.chartFacts.installsCrdsOf.includes(group));
      assert.ok(installers.length > 0, `${a.name} renders ${group} resources, but no add-on installs their CRDs`);
      const notEarlier = installers.filter((b) => b !== a && b.wave >= a.wave);
      if (notEarlier.length > 0 && !installers.some((b) => b === a || b.wave < a.wave)) {
        assert.ok(
          a.syncOptions.includes('SkipDryRunOnMissingResource=true'),
          `${a.name} renders ${group} resources whose CRDs ${notEarlier.map((b) => b.name).join(', ')} installs in the same sync: add SkipDryRunOnMissingResource=true`,
        );
      }
    }
  }
});

test('HPAs on CPU have a metrics API: metrics-server is installed as an add-on', () => {
  const cpuHpas = byKind(loadManifests(), 'HorizontalPodAutoscaler').filter((h) =>
    (h.object['spec'].metrics ?? []).some((m: { type: string }) => m.type === 'Resource'),
  );
  assert.ok(cpuHpas.length > 0);
  const metricsServer = clusterAddons.find((a) => a.chart === 'metrics-server');
  assert.ok(metricsServer, 'an HPA scales on CPU, which needs metrics.k8s.io (metrics-server)');
  assert.ok(metricsServer.wave < waves.services, 'metrics-server comes before the services');
});
