import { ApiObject, Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { clusterAddons } from '../addons.js';
import type { EnvironmentSettings } from '../environments.js';
import { ArgoApplication } from '../lib/argo-application.js';
import { argocdLabels, distFileSource, gitRepository, namespaces } from '../settings.js';

export interface BootstrapChartProps extends ChartProps {
  readonly environment: EnvironmentSettings;
  /** AppProject name. */
  readonly project: string;
  /** File (in dist/<env>/) holding the child Applications. */
  readonly appsFile: string;
}

/** Cluster-scoped kinds the platform's charts and add-ons create. */
const clusterResources = [
  { group: '', kind: 'Namespace' },
  { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' },
  { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' },
  { group: 'apiregistration.k8s.io', kind: 'APIService' },
  // The Gateway API release's safe-upgrade policy (gateway-api add-on) and the edge proxy's GatewayClass.
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy' },
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicyBinding' },
  { group: 'gateway.networking.k8s.io', kind: 'GatewayClass' },
  { group: 'cert-manager.io', kind: 'ClusterIssuer' },
];

/**
 * What an operator applies once per cluster (`kubectl apply -f argocd/<env>/`):
 * the AppProject and the root Application, which syncs the child
 * Applications in dist/<env>/argocd-apps.k8s.yaml (app of apps).
 */
export class BootstrapChart extends Chart {
  constructor(scope: Construct, id: string, props: BootstrapChartProps) {
    super(scope, id, props);
    const env = props.environment;
    const labels = argocdLabels(env.name);
    const destinations = [...new Set([namespaces.argocd, ...Object.values(namespaces), ...clusterAddons.map((a) => a.namespace)])].sort();
    const project = new AppProject({
      metadata: { name: props.project, namespace: namespaces.argocd, labels },
      spec: {
        description: `Ticketing platform (${env.name}): everything rendered into dist/${env.name} and its Helm add-ons.`,
        sourceRepos: [gitRepository.url, ...[...new Set(clusterAddons.map((a) => a.repoURL))].sort()],
        destinations: destinations.map((namespace) => ({ server: 'https://kubernetes.default.svc', namespace })),
        clusterResourceWhitelist: clusterResources,
        namespaceResourceWhitelist: [{ group: '*', kind: '*' }],
        orphanedResources: { warn: true },
      },
    });
    project.validate();
    new ApiObject(this, 'project', project.toJSON());

    new ArgoApplication(this, 'root', {
      name: `ticketing-${env.name}-root`,
      argocdNamespace: namespaces.argocd,
      project: props.project,
      destinationNamespace: namespaces.argocd,
      syncWave: 0,
      labels,
      source: distFileSource(env.name, props.appsFile),
    });
  }
}
