import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { clusterAddons } from '../addons.js';
import type { EnvironmentSettings } from '../environments.js';
import { ArgoApplication } from '../lib/argo-application.js';
import { argocdLabels, distFileSource, namespaces } from '../settings.js';

/** One chart file of dist/<env>/ that Argo CD syncs as its own Application. */
export interface DistChartApp {
  /** Chart id = Application name suffix = `<id>.k8s.yaml`. */
  readonly id: string;
  readonly wave: number;
  readonly namespace: string;
  readonly syncOptions: readonly string[];
}

export interface ArgoAppsChartProps extends ChartProps {
  readonly environment: EnvironmentSettings;
  /** Project every Application belongs to. */
  readonly project: string;
  /** The other chart files of dist/<env>/. */
  readonly distCharts: readonly DistChartApp[];
}

/**
 * The children of the root app-of-apps: one Application per add-on (a Helm
 * chart, or a folder of manifests in a git repository at a tag) and
 * one per chart file of dist/<env>/, ordered by sync wave:
 * namespaces → operators/CRDs → data stores/topics → services → dashboards/alerts.
 */
export class ArgoAppsChart extends Chart {
  constructor(scope: Construct, id: string, props: ArgoAppsChartProps) {
    super(scope, id, props);
    const env = props.environment;
    const labels = argocdLabels(env.name);
    for (const addon of clusterAddons) {
      new ArgoApplication(this, addon.name, {
        name: addon.name,
        argocdNamespace: namespaces.argocd,
        project: props.project,
        destinationNamespace: addon.namespace,
        syncWave: addon.wave,
        syncOptions: addon.syncOptions,
        labels,
        source: addon.chart
          ? { repoURL: addon.repoURL, chart: addon.chart, targetRevision: addon.version, helm: { releaseName: addon.name, valuesObject: addon.values(env) } }
          : { repoURL: addon.repoURL, targetRevision: addon.version, path: addon.path! },
      });
    }
    for (const chart of props.distCharts) {
      new ArgoApplication(this, `dist-${chart.id}`, {
        name: `ticketing-${chart.id}`,
        argocdNamespace: namespaces.argocd,
        project: props.project,
        destinationNamespace: chart.namespace,
        syncWave: chart.wave,
        syncOptions: chart.syncOptions,
        labels,
        source: distFileSource(env.name, `${chart.id}.k8s.yaml`),
      });
    }
  }
}
