/**
 * Cluster add-ons installed as Argo CD Applications of upstream Helm charts,
 * with pinned chart versions and their values kept here (per environment).
 * Bumping a version is a one-line change followed by `npm run synth`.
 */
import type { EnvironmentSettings } from './environments.js';
import { dataStores, namespaces, requestRateMetric } from './settings.js';

export interface HelmAddon {
  /** Argo CD Application name and Helm release name. */
  readonly name: string;
  readonly repoURL: string;
  readonly chart: string;
  /** Pinned chart version (never a range). */
  readonly version: string;
  readonly namespace: string;
  /** Sync wave of the Application (see charts/apps/argocd-apps.ts). */
  readonly wave: number;
  /** Sync options beyond the defaults. */
  readonly syncOptions: readonly string[];
  /** Helm values for one environment. */
  readonly values: (env: EnvironmentSettings) => Record<string, unknown>;
}

/** Sync waves, in the order the platform comes up. */
export const waves = {
  namespaces: -1,
  operators: 0,
  dataStores: 1,
  services: 2,
  dashboardsAndAlerts: 3,
} as const;

/** Where Prometheus answers inside the cluster (release `kube-prometheus-stack`). */
const prometheusUrl = `http://kube-prometheus-stack-prometheus.${namespaces.monitoring}.svc`;
/** Loki's gateway (release `loki`). */
const lokiUrl = `http://loki-gateway.${namespaces.logging}.svc`;

/** prometheus-adapter rules; the per-pod request rate the services' HPAs scale on. */
export const prometheusAdapterRules = [
  {
    seriesQuery: `${requestRateMetric.sourceCounter}{namespace!="",pod!=""}`,
    resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
    name: { matches: `^${requestRateMetric.sourceCounter}$`, as: requestRateMetric.name },
    metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)',
  },
] as const;

/**
 * Grafana Alloy's pipeline: every pod's stdout read through the API server
 * (no hostPath mounts), labelled with namespace, app and pod only; the JSON
 * fields of a line (level, service, requestId, traceId, ids) stay in the line,
 * where LogQL's `| json` reads them, so label cardinality stays bounded.
 */
const alloyPipeline = `discovery.kubernetes "pods" {
  role = "pod"
}

discovery.relabel "pods" {
  targets = discovery.kubernetes.pods.targets
  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name", "__meta_kubernetes_pod_label_app"]
    regex         = "^;*([^;]+)(;.*)?$"
    target_label  = "app"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }
}

loki.source.kubernetes "pods" {
  targets    = discovery.relabel.pods.output
  forward_to = [loki.process.pods.receiver]
}

// loki.source.kubernetes adds job and instance (namespace/pod:container); pod already says it.
loki.process "pods" {
  stage.label_drop {
    values = ["job", "instance", "container"]
  }
  forward_to = [loki.write.default.receiver]
}

loki.write "default" {
  endpoint {
    url = "${lokiUrl}/loki/api/v1/push"
  }
}
`;

export const helmAddons: readonly HelmAddon[] = [
  {
    // The shared rate-limit counters of the gateway replicas. Counters are
    // throwaway (a restart only resets the windows), so one pod without
    // persistence; its NetworkPolicy is rendered in charts/apps/valkey.ts.
    name: dataStores.valkey.release,
    repoURL: 'https://valkey.io/valkey-helm/',
    chart: 'valkey',
    version: '1.0.0',
    namespace: namespaces.app,
    wave: waves.dataStores,
    syncOptions: [],
    values: () => ({
      image: { registry: 'docker.io', repository: 'valkey/valkey', tag: '9.0.3', pullPolicy: 'IfNotPresent' },
      auth: {
        enabled: true,
        usersExistingSecret: dataStores.valkey.usersSecret,
        // Least privilege: data commands on the gateway's keys, its scripts, PING; nothing administrative.
        aclUsers: { default: { permissions: '~gateway-rl:* -@all +@read +@write +@scripting +@connection', passwordKey: 'default' } },
      },
      dataStorage: { enabled: false },
      networkPolicy: {},
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    }),
  },
  {
    name: 'cloudnative-pg',
    repoURL: 'https://cloudnative-pg.github.io/charts',
    chart: 'cloudnative-pg',
    version: '0.29.0', // operator 1.30.0
    namespace: namespaces.cnpg,
    wave: waves.operators,
    syncOptions: ['ServerSideApply=true'],
    values: () => ({ crds: { create: true }, replicaCount: 1, monitoring: { podMonitorEnabled: true } }),
  },
  {
    name: 'strimzi-kafka-operator',
    repoURL: 'https://strimzi.io/charts/',
    chart: 'strimzi-kafka-operator',
    version: '1.2.0',
    namespace: namespaces.strimzi,
    wave: waves.operators,
    syncOptions: ['ServerSideApply=true'],
    values: () => ({ watchNamespaces: [namespaces.app], watchAnyNamespace: false }),
  },
  {
    name: 'cert-manager',
    repoURL: 'https://charts.jetstack.io',
    chart: 'cert-manager',
    version: 'v1.16.2',
    namespace: namespaces.certManager,
    wave: waves.operators,
    syncOptions: ['ServerSideApply=true'],
    values: () => ({ crds: { enabled: true, keep: true }, prometheus: { enabled: true, servicemonitor: { enabled: false } } }),
  },
  {
    name: 'kube-prometheus-stack',
    repoURL: 'https://prometheus-community.github.io/helm-charts',
    chart: 'kube-prometheus-stack',
    version: '88.0.0', // prometheus-operator v0.93.0
    namespace: namespaces.monitoring,
    wave: waves.operators,
    // Its CRDs exceed the client-side apply annotation limit.
    syncOptions: ['ServerSideApply=true'],
    values: (env) => ({
      crds: { enabled: true },
      prometheus: {
        prometheusSpec: {
          // Select every ServiceMonitor/PodMonitor/PrometheusRule in every namespace, not only the chart's own.
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
          serviceMonitorNamespaceSelector: {},
          podMonitorNamespaceSelector: {},
          ruleNamespaceSelector: {},
          retention: env.observability.prometheusRetention,
          storageSpec: {
            volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: env.observability.prometheusStorageSize } } } },
          },
        },
      },
      grafana: {
        // Dashboards come from ConfigMaps labelled grafana_dashboard=1 in any namespace (charts/apps/observability.ts).
        sidecar: {
          dashboards: {
            enabled: true,
            label: 'grafana_dashboard',
            labelValue: '1',
            searchNamespace: 'ALL',
            folderAnnotation: 'grafana_folder',
            provider: { foldersFromFilesStructure: true },
          },
          datasources: { enabled: true },
        },
        additionalDataSources: [{ name: 'Loki', type: 'loki', uid: 'loki', url: lokiUrl, access: 'proxy' }],
      },
    }),
  },
  {
    name: 'ingress-nginx',
    repoURL: 'https://kubernetes.github.io/ingress-nginx',
    chart: 'ingress-nginx',
    version: '4.11.3',
    namespace: namespaces.ingress,
    wave: waves.operators,
    syncOptions: ['SkipDryRunOnMissingResource=true'],
    values: (env) => ({
      controller: {
        replicaCount: env.ingressController.replicas,
        ingressClassResource: { name: 'nginx', default: true },
        config: { 'use-forwarded-headers': 'false', 'limit-req-status-code': '429', 'limit-conn-status-code': '429' },
        metrics: { enabled: true, serviceMonitor: { enabled: true } },
        podDisruptionBudget: { enabled: env.ingressController.podDisruptionBudget, maxUnavailable: 1 },
      },
    }),
  },
  {
    name: 'prometheus-adapter',
    repoURL: 'https://prometheus-community.github.io/helm-charts',
    chart: 'prometheus-adapter',
    version: '4.11.0',
    namespace: namespaces.monitoring,
    wave: waves.operators,
    syncOptions: [],
    values: () => ({
      prometheus: { url: prometheusUrl, port: 9090 },
      rules: {
        default: false,
        // Serves the per-pod request rate the services' HPAs scale on.
        custom: prometheusAdapterRules,
      },
    }),
  },
  {
    name: 'loki',
    repoURL: 'https://grafana.github.io/helm-charts',
    chart: 'loki',
    version: '6.24.0',
    namespace: namespaces.logging,
    wave: waves.operators,
    syncOptions: ['SkipDryRunOnMissingResource=true'],
    values: (env) => ({
      deploymentMode: 'SingleBinary',
      loki: {
        auth_enabled: false,
        commonConfig: { replication_factor: 1 },
        storage: { type: 'filesystem' },
        schemaConfig: {
          configs: [{ from: '2024-01-01', store: 'tsdb', object_store: 'filesystem', schema: 'v13', index: { prefix: 'index_', period: '24h' } }],
        },
        limits_config: { retention_period: env.observability.lokiRetention },
        compactor: { retention_enabled: true, delete_request_store: 'filesystem' },
      },
      singleBinary: { replicas: 1, persistence: { size: env.observability.lokiStorageSize } },
      read: { replicas: 0 },
      write: { replicas: 0 },
      backend: { replicas: 0 },
      chunksCache: { enabled: false },
      resultsCache: { enabled: false },
      lokiCanary: { enabled: false },
      test: { enabled: false },
    }),
  },
  {
    name: 'alloy',
    repoURL: 'https://grafana.github.io/helm-charts',
    chart: 'alloy',
    version: '1.5.1',
    namespace: namespaces.logging,
    wave: waves.operators,
    syncOptions: ['SkipDryRunOnMissingResource=true'],
    values: () => ({
      // One collector is enough: loki.source.kubernetes tails every pod through the API server.
      controller: { type: 'deployment', replicas: 1 },
      alloy: { configMap: { create: true, content: alloyPipeline }, clustering: { enabled: false } },
      serviceMonitor: { enabled: true },
    }),
  },
  {
    // Runs k6 TestRuns inside the cluster, split across runner pods (Apache-2.0). The
    // project never builds or downloads k6: the runners use the upstream image.
    name: 'k6-operator',
    repoURL: 'https://grafana.github.io/helm-charts',
    chart: 'k6-operator',
    version: '3.14.2',
    namespace: namespaces.loadTesting,
    wave: waves.operators,
    syncOptions: ['ServerSideApply=true'],
    values: () => ({ namespace: { create: false }, installCRDs: true }),
  },
];
