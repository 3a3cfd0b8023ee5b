/**
 * Cluster add-ons installed as Argo CD Applications of upstream Helm charts,
 * with pinned chart versions and their values kept here (per environment).
 * Bumping a version is a one-line change followed by `npm run synth`.
 */
import { requestTimeoutSecondsOf } from '@ticketing/platform/service-declaration';
import { allServices } from '../services/services.js';
import type { EnvironmentSettings } from './environments.js';
import { consumerLagMetric, dataStores, edgeProxy, gatewayApi, namespaces, requestRateMetric } from './settings.js';

/** Seconds the edge lets one request take: what the public entry's own server allows. */
const publicEntryRequestSeconds = requestTimeoutSecondsOf(allServices.find((s) => s.publicEntry) ?? {});

export interface ClusterAddon {
  /** Argo CD Application name and Helm release name. */
  readonly name: string;
  /** The Helm chart repository, or (with `path`) the git repository of plain manifests. */
  readonly repoURL: string;
  /** Chart name in `repoURL`; absent for plain manifests. */
  readonly chart?: string;
  /** Folder of plain manifests (with a kustomization) in the git repository `repoURL` at tag `version`; absent for a chart. */
  readonly path?: string;
  /** Pinned chart version or git tag (never a range). */
  readonly version: string;
  readonly namespace: string;
  /** Sync wave of the Application (see charts/apps/argocd-apps.ts). */
  readonly wave: number;
  /** Sync options beyond the defaults. */
  readonly syncOptions: readonly string[];
  /** Helm values for one environment (`{}` for plain manifests). */
  readonly values: (env: EnvironmentSettings) => Record<string, unknown>;
  /** Why this chart at this version (the add-on table of docs/gitops.md). */
  readonly reason: string;
  /** What the pinned chart publishes about itself, kept next to the pin (its repository is not reachable from CI). */
  readonly chartFacts: ChartFacts;
}

/**
 * Facts of one pinned chart release, copied from its published sources
 * (Chart.yaml, README, templates): the tests check the platform against them.
 */
export interface ChartFacts {
  /**
   * Kubernetes versions the release supports, as a semver range: Chart.yaml
   * `kubeVersion` (what Helm enforces), narrowed to the project's published
   * support table where it has one: a version the table does not list yet
   * is not claimed.
   */
  readonly kubeVersion: string;
  /** Where `kubeVersion` comes from. */
  readonly kubeVersionSource: string;
  /**
   * Values the chart fills in at render time (randAlphaNum, genCA, lookup)
   * unless they are set: each path must be set in every environment's values,
   * or every render differs and Argo CD never settles.
   */
  readonly generatedUnlessSet: readonly { readonly path: string; readonly generates: string }[];
  /** API groups whose CRDs the chart installs. */
  readonly installsCrdsOf: readonly string[];
  /**
   * Where the schema test reads the CRDs of this release (when they are not
   * among the shared ones): a folder of the project's Go module, at the tag
   * of the release, fetched through the Go module proxy.
   */
  readonly crdSource?: GoModuleCrds;
  /** API groups of the custom resources it renders with the values above (their CRDs may come from another add-on). */
  readonly rendersCustomResourcesOf: readonly string[];
}

/** CRD files in a Go module: `<module>@<version>`, a folder of it, and which of its files are CRDs. */
export interface GoModuleCrds {
  readonly module: string;
  readonly dir: string;
  /** File names (in `dir`) that hold CRDs. */
  readonly files: RegExp;
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

/** prometheus-adapter rules; the per-pod request rate and consumer lag the services' HPAs scale on. */
export const prometheusAdapterRules = [
  {
    seriesQuery: `${requestRateMetric.sourceCounter}{namespace!="",pod!=""}`,
    resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
    name: { matches: `^${requestRateMetric.sourceCounter}$`, as: requestRateMetric.name },
    metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)',
  },
  {
    // Each pod reports the lag of the partitions it owns; their sum is that pod's backlog.
    seriesQuery: `${consumerLagMetric.sourceGauge}{namespace!="",pod!=""}`,
    resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
    name: { matches: `^${consumerLagMetric.sourceGauge}$`, as: consumerLagMetric.name },
    metricsQuery: 'sum(max_over_time(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)',
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

/** Secret (made outside git) with Grafana's admin login; keys below. */
export const grafanaAdminSecret = { name: 'grafana-admin', namespace: namespaces.monitoring, userKey: 'admin-user', passwordKey: 'admin-password' } as const;

/** The CNPG-I plugin that archives WAL and takes base backups (barman-cloud), as the Cluster names it. */
export const barmanCloudPlugin = 'barman-cloud.cloudnative-pg.io';

const monitoringCrds = 'monitoring.coreos.com';

export const clusterAddons: readonly ClusterAddon[] = [
  {
    // The shared rate-limit counters of the gateway replicas, and the queues of
    // the waiting room. Counters are throwaway; queue places are not, so the
    // one pod keeps an append-only file on a volume and never evicts a key
    // (a full Valkey refuses writes: the gateway falls back to local counters,
    // a join answers 503). Its NetworkPolicy is rendered in charts/apps/valkey.ts.
    name: dataStores.valkey.release,
    repoURL: 'https://valkey.io/valkey-helm/',
    chart: 'valkey',
    version: '1.0.0',
    namespace: namespaces.app,
    wave: waves.dataStores,
    syncOptions: [],
    reason: 'The official Valkey chart; first stable release, image pinned separately (9.0.3).',
    chartFacts: {
      kubeVersion: '*',
      kubeVersionSource: 'Chart.yaml of valkey-io/valkey-helm 1.0.0 states no kubeVersion',
      generatedUnlessSet: [{ path: 'auth.usersExistingSecret', generates: 'the ACL users’ passwords (randAlphaNum) when auth is on' }],
      installsCrdsOf: [],
      rendersCustomResourcesOf: [],
    },
    values: () => ({
      image: { registry: 'docker.io', repository: 'valkey/valkey', tag: '9.0.3', pullPolicy: 'IfNotPresent' },
      auth: {
        enabled: true,
        usersExistingSecret: dataStores.valkey.usersSecret,
        // Least privilege: data commands on each client's own keys (the declared default prefixes), its scripts, PING; nothing administrative.
        aclUsers: {
          default: { permissions: '~gateway-rl:* -@all +@read +@write +@scripting +@connection', passwordKey: 'default' },
          'waiting-room': { permissions: '~wr:* -@all +@read +@write +@scripting +@connection +time', passwordKey: 'waiting-room' },
        },
      },
      dataStorage: { enabled: true, requestedSize: '1Gi' },
      valkeyConfig: ['maxmemory 192mb', 'maxmemory-policy noeviction', 'appendonly yes', 'appendfsync everysec', ''].join('\n'),
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
    // Its PodMonitor's CRD comes with kube-prometheus-stack, in the same wave.
    syncOptions: ['ServerSideApply=true', 'SkipDryRunOnMissingResource=true'],
    reason: 'Operator 1.30.0, the release whose CRDs the manifests are validated against; CNPG-I plugins for backups.',
    chartFacts: {
      kubeVersion: '>=1.34.0-0 <1.37.0-0',
      kubeVersionSource:
        'the operator’s support table: 1.34–1.36 for 1.30.x (1.37 not listed yet); Chart.yaml of cloudnative-pg 0.29.0 states >=1.29 (operator 1.30 requires Kubernetes 1.29 or newer)',
      generatedUnlessSet: [],
      installsCrdsOf: ['postgresql.cnpg.io'],
      rendersCustomResourcesOf: [monitoringCrds],
    },
    values: () => ({ crds: { create: true }, replicaCount: 1, monitoring: { podMonitorEnabled: true } }),
  },
  {
    // Base backups and the WAL archive, now that in-tree barman support is deprecated (removed in CNPG 1.31).
    name: 'plugin-barman-cloud',
    repoURL: 'https://cloudnative-pg.github.io/charts',
    chart: 'plugin-barman-cloud',
    version: '0.8.1',
    namespace: namespaces.cnpg,
    wave: waves.operators,
    // Its Certificates' CRD comes with cert-manager, in the same wave.
    syncOptions: ['ServerSideApply=true', 'SkipDryRunOnMissingResource=true'],
    reason: 'The barman-cloud CNPG-I plugin CloudNativePG recommends for object-store backups (in-tree support goes in 1.31).',
    chartFacts: {
      kubeVersion: '>=1.34.0-0 <1.37.0-0',
      kubeVersionSource: 'runs inside the CloudNativePG operator (its support table’s range); its Chart.yaml states no kubeVersion',
      generatedUnlessSet: [],
      installsCrdsOf: ['barmancloud.cnpg.io'],
      rendersCustomResourcesOf: ['cert-manager.io'],
    },
    values: () => ({}),
  },
  {
    name: 'strimzi-kafka-operator',
    repoURL: 'https://strimzi.io/charts/',
    chart: 'strimzi-kafka-operator',
    version: '1.2.0',
    namespace: namespaces.strimzi,
    wave: waves.operators,
    syncOptions: ['ServerSideApply=true'],
    reason: 'kafka.strimzi.io/v1 APIs, KRaft only; the release whose CRDs the manifests are validated against.',
    chartFacts: {
      kubeVersion: '>=1.30.0-0',
      kubeVersionSource: 'Strimzi 1.2.0 supported Kubernetes versions: 1.30 and newer',
      generatedUnlessSet: [],
      installsCrdsOf: ['kafka.strimzi.io', 'core.strimzi.io'],
      rendersCustomResourcesOf: [],
    },
    values: () => ({ watchNamespaces: [namespaces.app], watchAnyNamespace: false }),
  },
  {
    name: 'cert-manager',
    repoURL: 'https://charts.jetstack.io',
    chart: 'cert-manager',
    version: 'v1.21.2',
    namespace: namespaces.certManager,
    wave: waves.operators,
    syncOptions: ['ServerSideApply=true'],
    reason: 'A supported cert-manager release (1.16 is end of life).',
    chartFacts: {
      kubeVersion: '>=1.33.0-0 <1.37.0-0',
      kubeVersionSource: 'cert-manager’s support table: 1.33–1.36 for v1.21 (1.37 not listed yet; no later release); its Chart.yaml states >= 1.22.0-0',
      generatedUnlessSet: [],
      installsCrdsOf: ['cert-manager.io', 'acme.cert-manager.io'],
      rendersCustomResourcesOf: [],
    },
    values: () => ({
      crds: { enabled: true, keep: true },
      prometheus: { enabled: true, servicemonitor: { enabled: false } },
      // Gateway API support: the HTTP-01 solver answers through an HTTPRoute on the public Gateway.
      config: { apiVersion: 'controller.config.cert-manager.io/v1alpha1', kind: 'ControllerConfiguration', enableGatewayAPI: true },
    }),
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
    reason: 'prometheus-operator v0.93.0, the release whose CRDs the manifests are validated against.',
    chartFacts: {
      kubeVersion: '>=1.19.0-0',
      kubeVersionSource: 'Chart.yaml of kube-prometheus-stack',
      generatedUnlessSet: [
        { path: 'grafana.admin.existingSecret', generates: 'Grafana’s admin password (randAlphaNum 40 in the grafana subchart) at every render' },
      ],
      installsCrdsOf: [monitoringCrds],
      rendersCustomResourcesOf: [monitoringCrds],
    },
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
        // The login comes from a Secret made outside git, so renders are stable (docs/gitops.md).
        admin: { existingSecret: grafanaAdminSecret.name, userKey: grafanaAdminSecret.userKey, passwordKey: grafanaAdminSecret.passwordKey },
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
    // The Gateway API itself (GatewayClass, Gateway, HTTPRoute…): Kubernetes
    // does not ship these CRDs and the Traefik chart no longer carries them.
    name: 'gateway-api',
    repoURL: gatewayApi.repository,
    path: 'config/crd',
    version: gatewayApi.version,
    namespace: namespaces.edge,
    // Before cert-manager, which looks for the Gateway API when it starts (its HTTP-01 solver uses it).
    wave: waves.namespaces,
    // Its CRDs exceed the client-side apply annotation limit.
    syncOptions: ['ServerSideApply=true'],
    reason: 'The standard-channel Gateway API CRDs the edge proxy implements (v1.6, the release Traefik 3.7 is built against).',
    chartFacts: {
      kubeVersion: '>=1.30.0-0',
      kubeVersionSource:
        'Gateway API versioning policy (at least the 5 most recent Kubernetes minors, no upper bound); its safe-upgrade ValidatingAdmissionPolicy needs admissionregistration.k8s.io/v1 (Kubernetes 1.30)',
      generatedUnlessSet: [],
      installsCrdsOf: [gatewayApi.group],
      crdSource: { module: `sigs.k8s.io/gateway-api@${gatewayApi.version}`, dir: 'config/crd/standard', files: /^gateway\.networking\.k8s\.io_.*\.yaml$/ },
      rendersCustomResourcesOf: [],
    },
    values: () => ({}),
  },
  {
    // The edge proxy: the Gateway API implementation that terminates TLS for
    // the public hosts and passes requests to the gateway service
    // (charts/lib/public-gateway.ts renders the Gateway and its routes).
    name: edgeProxy.release,
    repoURL: 'https://traefik.github.io/charts',
    chart: 'traefik',
    version: '41.3.0', // Traefik v3.7.11
    namespace: namespaces.edge,
    wave: waves.operators,
    // Its ServiceMonitor's CRD comes with kube-prometheus-stack in the same wave (its GatewayClass's with gateway-api, a wave earlier);
    // its CRDs (with Traefik Hub's) exceed the client-side apply annotation limit.
    syncOptions: ['ServerSideApply=true', 'SkipDryRunOnMissingResource=true'],
    reason:
      'Replaces ingress-nginx (retired in March 2026, no support past Kubernetes 1.34): a maintained Gateway API implementation whose chart supports every Kubernetes of the range; per-client-IP limits as Middlewares.',
    chartFacts: {
      kubeVersion: '>=1.25.0-0',
      kubeVersionSource: 'Chart.yaml of traefik/traefik-helm-chart 41.3.0 (Traefik publishes no narrower table)',
      // Only Traefik Hub's admission webhook (hub.apimanagement, off) generates a certificate (genSelfSignedCert).
      generatedUnlessSet: [],
      installsCrdsOf: [edgeProxy.crdGroup, 'hub.traefik.io'],
      crdSource: {
        module: `github.com/traefik/traefik/v3@${edgeProxy.appVersion}`,
        dir: 'docs/content/reference/dynamic-configuration',
        files: /^traefik\.io_.*\.yaml$/,
      },
      rendersCustomResourcesOf: [gatewayApi.group, monitoringCrds],
    },
    values: (env) => ({
      deployment: { replicas: env.edgeProxy.replicas },
      podDisruptionBudget: { enabled: env.edgeProxy.podDisruptionBudget, maxUnavailable: 1 },
      // Gateway API only: the routes are the Gateway's (Middlewares, read by the CRD provider, hold the limits).
      providers: {
        kubernetesGateway: { enabled: true },
        kubernetesCRD: { enabled: true, allowCrossNamespace: false },
        kubernetesIngress: { enabled: false },
      },
      ingressClass: { enabled: false },
      gatewayClass: { enabled: true, name: edgeProxy.gatewayClass },
      // The platform renders its own Gateway (in the services' namespace).
      gateway: { enabled: false },
      ingressRoute: { dashboard: { enabled: false } },
      // Forwarded headers sent by clients are not trusted (nothing sits in
      // front of the proxy): Traefik replaces them and sets X-Forwarded-For to
      // the connection's address, the one hop the gateway trusts (TRUST_PROXY_HOPS=1).
      // A whole request may take as long as the public entry's longest streamed upload (an import file),
      // not Traefik's default 60 s; no body size limit is set here (the gateway bounds each route).
      ports: Object.fromEntries(
        [edgeProxy.entryPoints.http.name, edgeProxy.entryPoints.https.name].map((port) => [
          port,
          { forwardedHeaders: { trustedIPs: [], insecure: false }, transport: { respondingTimeouts: { readTimeout: `${publicEntryRequestSeconds}s` } } },
        ]),
      ),
      // Local: the load balancer keeps the client's address as the source, so
      // the per-IP limits count clients, not nodes.
      service: { spec: { externalTrafficPolicy: 'Local' } },
      // A ClusterIP Service for the metrics port (the public one does not expose it); the chart's
      // check for the ServiceMonitor CRD is off, its CRD arrives in the same wave (SkipDryRunOnMissingResource).
      metrics: { prometheus: { service: { enabled: true }, serviceMonitor: { enabled: true }, disableAPICheck: true } },
      // JSON lines for Loki; only refused and failed requests (the limits' 429s, 5xx), so an onsale does not flood it.
      log: { format: 'json' },
      accessLog: { enabled: true, format: 'json', filters: { statusCodes: '429,500-599' } },
    }),
  },
  {
    // The resource metrics API the HPAs' CPU target reads.
    name: 'metrics-server',
    repoURL: 'https://kubernetes-sigs.github.io/metrics-server/',
    chart: 'metrics-server',
    version: '3.13.0', // metrics-server v0.8.0
    namespace: namespaces.dns,
    wave: waves.operators,
    syncOptions: [],
    reason: 'Serves metrics.k8s.io, which every HPA with a CPU target needs and no cluster is guaranteed to have.',
    chartFacts: {
      kubeVersion: '>=1.19.0-0',
      kubeVersionSource: 'Chart.yaml of kubernetes-sigs/metrics-server',
      generatedUnlessSet: [],
      installsCrdsOf: [],
      rendersCustomResourcesOf: [],
    },
    values: (env) => ({
      replicas: env.edgeProxy.podDisruptionBudget ? 2 : 1,
      podDisruptionBudget: { enabled: env.edgeProxy.podDisruptionBudget, maxUnavailable: 1 },
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
    reason: 'Serves the per-pod request rate (custom metrics API) the HPAs scale on.',
    chartFacts: {
      kubeVersion: '>=1.19.0-0',
      kubeVersionSource: 'Chart.yaml of prometheus-adapter',
      generatedUnlessSet: [],
      installsCrdsOf: [],
      rendersCustomResourcesOf: [],
    },
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
    reason: 'Single-binary Loki 3 with TSDB schema v13; enough for the log volume of one environment.',
    chartFacts: {
      kubeVersion: '^1.10.0-0',
      kubeVersionSource: 'Chart.yaml of grafana/loki',
      generatedUnlessSet: [],
      installsCrdsOf: [],
      rendersCustomResourcesOf: [monitoringCrds],
    },
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
    reason: 'Grafana Alloy replaces promtail (end of life) for shipping pod logs to Loki.',
    chartFacts: {
      kubeVersion: '^1.10.0-0',
      kubeVersionSource: 'Chart.yaml of grafana/alloy',
      generatedUnlessSet: [],
      installsCrdsOf: [],
      rendersCustomResourcesOf: [monitoringCrds],
    },
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
    reason: 'Runs the in-cluster load tests (TestRuns split across runner pods); Apache-2.0, unlike k6 itself, which only its upstream runner image carries.',
    chartFacts: {
      kubeVersion: '>=1.16.0-0',
      kubeVersionSource: 'the k6-operator chart README (Requirements): Kubernetes >=1.16.0-0',
      generatedUnlessSet: [],
      installsCrdsOf: ['k6.io'],
      rendersCustomResourcesOf: [],
    },
    values: () => ({ namespace: { create: false }, installCRDs: true }),
  },
];
