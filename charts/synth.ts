import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, YamlOutputType } from 'cdk8s';
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import { waves } from './addons.js';
import { ArgoAppsChart, type DistChartApp } from './apps/argocd-apps.js';
import { BootstrapChart } from './apps/bootstrap.js';
import { CertIssuersChart } from './apps/cert-issuers.js';
import { KafkaChart } from './apps/kafka.js';
import { LoadTestingChart, loadTestProfiles } from './apps/load-testing.js';
import { NamespacesChart } from './apps/namespaces.js';
import { ObservabilityChart } from './apps/observability.js';
import { PostgresChart } from './apps/postgres.js';
import { ServiceChart } from './apps/service.js';
import { ValkeyChart } from './apps/valkey.js';
import { environments, type EnvironmentSettings } from './environments.js';
import { namespaces } from './settings.js';

export const FILE_EXTENSION = '.k8s.yaml';
export const APPS_CHART = 'argocd-apps';
export const PROJECT = 'ticketing';

/** The chart files of dist/<env>/ other than the Applications, with how Argo CD syncs each. */
export function distCharts(services: readonly ServiceDeclaration[], env: EnvironmentSettings): DistChartApp[] {
  const crdBacked = ['SkipDryRunOnMissingResource=true'];
  return [
    { id: 'namespaces', wave: waves.namespaces, namespace: namespaces.app, syncOptions: [] },
    { id: 'cert-issuers', wave: waves.dataStores, namespace: namespaces.certManager, syncOptions: crdBacked },
    { id: 'postgres', wave: waves.dataStores, namespace: namespaces.app, syncOptions: crdBacked },
    { id: 'kafka', wave: waves.dataStores, namespace: namespaces.app, syncOptions: crdBacked },
    { id: 'valkey', wave: waves.dataStores, namespace: namespaces.app, syncOptions: [] },
    ...services.map((s) => ({ id: s.name, wave: waves.services, namespace: namespaces.app, syncOptions: crdBacked })),
    { id: 'observability', wave: waves.dashboardsAndAlerts, namespace: namespaces.monitoring, syncOptions: crdBacked },
    ...(loadTestProfiles[env.name] ? [{ id: 'load-testing', wave: waves.services, namespace: namespaces.loadTesting, syncOptions: [] }] : []),
  ];
}

function app(outdir: string): App {
  mkdirSync(outdir, { recursive: true });
  return new App({ outdir, outputFileExtension: FILE_EXTENSION, yamlOutputType: YamlOutputType.FILE_PER_CHART });
}

/** Renders one environment into `<root>/dist/<env>/` and `<root>/argocd/<env>/`. */
export function synthEnvironment(root: string, env: EnvironmentSettings, services: readonly ServiceDeclaration[]): void {
  const dist = app(join(root, 'dist', env.name));
  const charts = distCharts(services, env);
  new ArgoAppsChart(dist, APPS_CHART, { environment: env, project: PROJECT, distCharts: charts });
  new NamespacesChart(dist, 'namespaces');
  new CertIssuersChart(dist, 'cert-issuers', { environment: env });
  new PostgresChart(dist, 'postgres', { environment: env });
  new KafkaChart(dist, 'kafka', { environment: env, allServices: services });
  new ValkeyChart(dist, 'valkey', { allServices: services });
  for (const declaration of services) new ServiceChart(dist, declaration.name, { declaration, allServices: services, environment: env });
  new ObservabilityChart(dist, 'observability', { allServices: services });
  const profiles = loadTestProfiles[env.name] ?? [];
  if (profiles.length > 0) new LoadTestingChart(dist, 'load-testing');
  dist.synth();

  const bootstrap = app(join(root, 'argocd', env.name));
  new BootstrapChart(bootstrap, 'bootstrap', { environment: env, project: PROJECT, appsFile: `${APPS_CHART}${FILE_EXTENSION}` });
  bootstrap.synth();
}

/** Renders every environment; clears dist/ and argocd/ first so removed charts disappear. */
export function synthesize(root: string, services: readonly ServiceDeclaration[]): void {
  for (const dir of ['dist', 'argocd']) rmSync(join(root, dir), { recursive: true, force: true });
  for (const env of environments) synthEnvironment(root, env, services);
}
