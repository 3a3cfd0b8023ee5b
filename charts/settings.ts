/**
 * Platform-wide settings that are not facts of one service: where the GitOps
 * repository lives, namespaces, and the names of shared infrastructure.
 *
 * To run the platform from your own fork, change `gitRepository.url` (and
 * `gitRepository.revision` if Argo CD should follow another branch), then run
 * `npm run synth` and commit dist/ and argocd/.
 */
import { httpRequestsCounterName } from '@ticketing/platform/metrics';

export const gitRepository = {
  /** The git repository Argo CD pulls dist/ from. THE setting to change for a fork. */
  url: 'https://github.com/ticketing-platform/ticketing-platform.git',
  /** Branch (or tag) Argo CD follows. */
  revision: 'main',
} as const;

/** Namespaces, one per concern. */
export const namespaces = {
  /** The services, their PostgreSQL cluster and Kafka cluster. */
  app: 'ticketing',
  argocd: 'argocd',
  cnpg: 'cnpg-system',
  strimzi: 'strimzi',
  monitoring: 'monitoring',
  logging: 'logging',
  certManager: 'cert-manager',
  /** The edge proxy (Traefik), the Gateway API implementation in front of the gateway service. */
  edge: 'traefik',
  /** The k6-operator and the load tests it runs (TestRuns, runner pods). */
  loadTesting: 'load-testing',
  /** Where the cluster DNS runs (CoreDNS / kube-dns). */
  dns: 'kube-system',
} as const;

/** The Gateway API release whose CRDs the cluster gets (charts/addons.ts) and the schema test reads. */
export const gatewayApi = {
  repository: 'https://github.com/kubernetes-sigs/gateway-api',
  version: 'v1.6.1',
  group: 'gateway.networking.k8s.io',
} as const;

/** The edge proxy (Traefik): what its chart names and where its entry points listen. */
export const edgeProxy = {
  /** Helm release (and Argo CD Application) name. */
  release: 'traefik',
  /** The Traefik release of the pinned chart (its CRDs are read from this tag). */
  appVersion: 'v3.7.11',
  /** The GatewayClass the chart creates; the Gateway names it. */
  gatewayClass: 'traefik',
  /** API group of its Middleware CRD (rate limits on routes). */
  crdGroup: 'traefik.io',
  /**
   * The chart's entry points: a Gateway listener's port must be one of them
   * (the container port; the Service exposes 80 and 443).
   */
  entryPoints: { http: { name: 'web', port: 8000 }, https: { name: 'websecure', port: 8443 } },
} as const;

/** The one Gateway of an environment: the public entry's host (charts/apps/service.ts); cert-manager's HTTP-01 solver attaches to it. */
export const publicGateway = { name: 'public', namespace: namespaces.app } as const;

/** Names of the shared data stores the services depend on. */
export const dataStores = {
  postgres: {
    cluster: 'ticketing-pg',
    database: 'ticketing',
    owner: 'ticketing',
  },
  kafka: {
    cluster: 'ticketing-kafka',
    /** Internal listener the services use (SCRAM-SHA-512 over TLS-less plain port). */
    listener: { name: 'scram', port: 9092 },
  },
  valkey: {
    /** Helm release (and Argo CD Application) name; the chart names its Service after it. */
    release: 'valkey',
    port: 6379,
    /** Secret (made outside git) with the ACL users' passwords, key = user name. */
    usersSecret: 'valkey-users',
    /** Labels the chart puts on the Valkey pods. */
    podLabels: { 'app.kubernetes.io/name': 'valkey', 'app.kubernetes.io/instance': 'valkey' },
  },
} as const;

/**
 * How the shared dependencies are reached in-cluster, derived from the names
 * above; used for `from:` env settings and NetworkPolicy flows.
 */
export const endpoints = {
  /** CloudNativePG creates `<cluster>-app` with keys username, password, host, port, dbname, uri. */
  postgresAppSecret: `${dataStores.postgres.cluster}-app`,
  postgresPort: 5432,
  kafkaBootstrap: `${dataStores.kafka.cluster}-kafka-bootstrap.${namespaces.app}.svc:${dataStores.kafka.listener.port}`,
} as const;

/** Pods of the add-ons that connect to the platform's pods (NetworkPolicy peers). */
export const addonPods = {
  prometheus: { podLabels: { 'app.kubernetes.io/name': 'prometheus' }, namespace: namespaces.monitoring },
  /** The edge proxy's pods (the chart's selector labels: name, `<release>-<namespace>`). */
  edgeProxy: { podLabels: { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/instance': 'traefik-traefik' }, namespace: namespaces.edge },
  cnpgOperator: { podLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' }, namespace: namespaces.cnpg },
} as const;

/** Labels every object of the platform carries. */
export const partOf = 'ticketing-platform';

/** Labels of the Argo CD objects (AppProject, Applications) of one environment. */
export function argocdLabels(environment: string): Record<string, string> {
  return { 'app.kubernetes.io/part-of': partOf, environment };
}

/** Where an Argo CD Application reads one rendered file of dist/<env>/ from git. */
export function distFileSource(environment: string, file: string) {
  return { repoURL: gitRepository.url, targetRevision: gitRepository.revision, path: `dist/${environment}`, directory: { include: file } };
}

/** Consumer lag per pod as a custom metric for the HPA, served by prometheus-adapter from the services' own gauge. */
export const consumerLagMetric = {
  name: 'kafka_consumer_lag_messages',
  /** The gauge runConsumer exports per partition it owns (services/platform/src/metrics.ts). */
  sourceGauge: 'kafka_consumer_lag',
} as const;

/** Name of the custom metric the HPA uses, served by prometheus-adapter. */
export const requestRateMetric = {
  /** What the HPA asks the custom metrics API for. */
  name: 'http_requests_per_second',
  /** The counter the services export (prom-client), turned into a per-second rate by prometheus-adapter. */
  sourceCounter: httpRequestsCounterName,
} as const;
