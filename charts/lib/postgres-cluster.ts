import { Construct } from 'constructs';
import { BarmanObjectStore, CnpgCluster, CnpgScheduledBackup } from './crds/cnpg.js';
import { IngressAllowPolicy } from './ingress-policy.js';
import type { ServiceDeclaration, ServiceResources } from '@ticketing/platform/service-declaration';

/** Ports of a CloudNativePG instance pod. */
const instancePorts = { postgres: 5432, status: 8000, metrics: 9187 } as const;

/** Connections kept free for superusers, replication, backups, monitoring and operators. */
const reservedConnections = 50;

/**
 * max_connections that fits every service at its HPA maximum, each replica
 * with its declared DATABASE_POOL_MAX pool (never below PostgreSQL's 300 we
 * ran with). A pool that cannot get connections fails requests; a server that
 * refuses them (53300) fails them all.
 */
export function maxConnectionsFor(services: readonly ServiceDeclaration[]): number {
  const pools = services
    .filter((s) => s.dependencies.postgres)
    .reduce((sum, s) => sum + s.scaling.maxReplicas * Number(s.env.find((e) => e.name === 'DATABASE_POOL_MAX')?.default ?? 10), 0);
  return Math.max(300, pools + reservedConnections);
}

/** What differs between environments (charts/environments.ts holds the values). */
export interface PostgresClusterSettings {
  /** PostgreSQL instances (1 primary + replicas). */
  readonly instances: number;
  /** Quorum synchronous replication to this many standbys. @default undefined (asynchronous) */
  readonly synchronousStandbys?: number;
  readonly storageSize: string;
  readonly walStorageSize: string;
  readonly resources: ServiceResources;
  /** Object storage for base backups and WAL archive. */
  readonly backup: { readonly destinationPath: string; readonly endpointURL: string; readonly retention: string; readonly schedule: string };
}

/**
 * The PostgreSQL operand: CloudNativePG's minimal image (no barman tools
 * inside: backups run in the barman-cloud plugin's sidecar), pinned by digest.
 */
export const postgresImage =
  'ghcr.io/cloudnative-pg/postgresql:17.11-202608170816-minimal-trixie@sha256:445ead3fd811466950a002b682a97c2a4907078b46fae8796b6637a763266a07';

/** Argo CD never prunes, nor deletes with its Application, an object carrying this (docs/gitops.md: removing an environment). */
export const keepDataAnnotations = { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' } as const;

export interface PostgresClusterProps {
  /** Cluster name; CloudNativePG derives `<name>-rw`, `<name>-app` from it. */
  readonly name: string;
  readonly namespace: string;
  /** Application database and its owner role. */
  readonly database: string;
  readonly owner: string;
  /** Instances, sync replication, storage, backup target, pooler size. */
  readonly settings: PostgresClusterSettings;
  /**
   * Secret with `ACCESS_KEY_ID` / `ACCESS_SECRET_KEY` for the object store
   * (created outside git, see docs/gitops.md).
   */
  readonly backupCredentialsSecret: string;
  /**
   * The barman-cloud plugin's name (it must be installed in the cluster).
   */
  readonly backupPlugin: string;
  /**
   * PostgreSQL operand image (pinned by digest).
   * @default postgresImage
   */
  readonly imageName?: string;
  /** Labels on every object. @default {} */
  readonly labels?: Record<string, string>;
  /** Services whose pools the server must have room for (max_connections is sized from their declarations); the only ones admitted. */
  readonly clients: readonly ServiceDeclaration[];
  /** Labels of one service's pods. */
  readonly podLabels: (service: string) => Record<string, string>;
  /** The operator's pods (they call each instance's status port). */
  readonly operator: { readonly podLabels: Record<string, string>; readonly namespace: string };
  /** Prometheus's pods (they scrape each instance's metrics port). */
  readonly prometheus: { readonly podLabels: Record<string, string>; readonly namespace: string };
}

/**
 * A CloudNativePG PostgreSQL cluster: primary + replicas with optional quorum
 * synchronous replication and continuous backup (WAL archive + nightly base
 * backup) to object storage through the barman-cloud plugin.
 *
 * No PgBouncer Pooler: the services' pools keep session settings
 * (statement_timeout, lock_timeout, idle_in_transaction_session_timeout sent
 * at connect) and session advisory locks (migrations, the outbox leader),
 * which a transaction-mode pooler cannot carry; max_connections is sized for
 * every pool at its HPA maximum instead (maxConnectionsFor).
 */
export class PostgresCluster extends Construct {
  public readonly cluster: CnpgCluster;

  constructor(scope: Construct, id: string, props: PostgresClusterProps) {
    super(scope, id);
    const s = props.settings;
    const metadata = (name: string, annotations?: Record<string, string>) => ({
      name,
      namespace: props.namespace,
      labels: props.labels ?? {},
      ...(annotations ? { annotations } : {}),
    });
    const objectStore = `${props.name}-backups`;
    new BarmanObjectStore(this, 'object-store', {
      metadata: metadata(objectStore),
      spec: {
        retentionPolicy: s.backup.retention,
        configuration: {
          destinationPath: s.backup.destinationPath,
          endpointURL: s.backup.endpointURL,
          s3Credentials: {
            accessKeyId: { name: props.backupCredentialsSecret, key: 'ACCESS_KEY_ID' },
            secretAccessKey: { name: props.backupCredentialsSecret, key: 'ACCESS_SECRET_KEY' },
          },
          wal: { compression: 'gzip' },
          data: { compression: 'gzip' },
        },
      },
    });
    this.cluster = new CnpgCluster(this, 'cluster', {
      // The data: never pruned, never deleted with its Application.
      metadata: metadata(props.name, { ...keepDataAnnotations }),
      spec: {
        instances: s.instances,
        imageName: props.imageName ?? postgresImage,
        primaryUpdateStrategy: 'unsupervised',
        postgresql: {
          parameters: {
            max_connections: String(maxConnectionsFor(props.clients)),
            shared_buffers: '256MB',
            'pg_stat_statements.track': 'all',
            // Backstops for sessions other than the services' (which set tighter
            // DATABASE_*_TIMEOUT_MS limits themselves): a forgotten psql
            // transaction must not hold row locks for ever.
            idle_in_transaction_session_timeout: '60s',
            // A client that vanished without a reset (node lost, partition) is
            // noticed within about two minutes, freeing its locks, including the
            // outbox relay's leader lock.
            tcp_keepalives_idle: '60',
            tcp_keepalives_interval: '10',
            tcp_keepalives_count: '6',
          },
          ...(s.synchronousStandbys ? { synchronous: { method: 'any' as const, number: s.synchronousStandbys, dataDurability: 'required' as const } } : {}),
        },
        bootstrap: { initdb: { database: props.database, owner: props.owner } },
        storage: { size: s.storageSize },
        walStorage: { size: s.walStorageSize },
        resources: s.resources,
        affinity: { enablePodAntiAffinity: true, topologyKey: 'kubernetes.io/hostname', podAntiAffinityType: s.instances > 1 ? 'required' : 'preferred' },
        monitoring: { enablePodMonitor: true },
        // One instance: CNPG's PDB (minAvailable 1) would block every node drain.
        enablePDB: s.instances > 1,
        plugins: [{ name: props.backupPlugin, isWALArchiver: true, parameters: { barmanObjectName: objectStore } }],
      },
    });
    // Only the declared clients, the other instances (replication, joins), the operator and Prometheus.
    const instances = { 'cnpg.io/cluster': props.name };
    new IngressAllowPolicy(this, 'network', {
      metadata: metadata(props.name),
      podLabels: instances,
      from: [
        ...props.clients.filter((c) => c.dependencies.postgres).map((c) => ({ podLabels: props.podLabels(c.name), ports: [instancePorts.postgres] })),
        { podLabels: instances, ports: [instancePorts.postgres, instancePorts.status] },
        { ...props.operator, ports: [instancePorts.status] },
        { ...props.prometheus, ports: [instancePorts.metrics] },
      ],
    });
    new CnpgScheduledBackup(this, 'nightly-backup', {
      metadata: metadata(`${props.name}-nightly`),
      spec: {
        schedule: s.backup.schedule,
        cluster: { name: props.name },
        backupOwnerReference: 'self',
        method: 'plugin',
        pluginConfiguration: { name: props.backupPlugin },
        immediate: true,
      },
    });
  }
}
