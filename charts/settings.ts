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
  ingress: 'ingress-nginx',
  /** The k6-operator and the load tests it runs (TestRuns, runner pods). */
  loadTesting: 'load-testing',
  /** Where the cluster DNS runs (CoreDNS / kube-dns). */
  dns: 'kube-system',
} as const;

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
  ingressController: { podLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' }, namespace: namespaces.ingress },
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
