import { Construct } from 'constructs';
import { CnpgCluster, CnpgPooler, CnpgScheduledBackup } from './crds/cnpg.js';
import type { ServiceDeclaration, ServiceResources } from '@ticketing/platform/service-declaration';

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
  /** PgBouncer pods of the Pooler. */
  readonly poolerInstances: number;
}

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
   * PostgreSQL operand image (pinned).
   * @default ghcr.io/cloudnative-pg/postgresql:17.5
   */
  readonly imageName?: string;
  /** Labels on every object. @default {} */
  readonly labels?: Record<string, string>;
  /** Services whose pools the server must have room for (max_connections is sized from their declarations). */
  readonly clients: readonly ServiceDeclaration[];
}

/**
 * A CloudNativePG PostgreSQL cluster: primary + replicas with optional quorum
 * synchronous replication, continuous backup (WAL archive + nightly base
 * backup) to object storage, and a PgBouncer Pooler in front of the primary.
 */
export class PostgresCluster extends Construct {
  public readonly cluster: CnpgCluster;

  constructor(scope: Construct, id: string, props: PostgresClusterProps) {
    super(scope, id);
    const s = props.settings;
    const metadata = (name: string) => ({ name, namespace: props.namespace, labels: props.labels ?? {} });
    this.cluster = new CnpgCluster(this, 'cluster', {
      metadata: metadata(props.name),
      spec: {
        instances: s.instances,
        imageName: props.imageName ?? 'ghcr.io/cloudnative-pg/postgresql:17.5',
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
        backup: {
          retentionPolicy: s.backup.retention,
          barmanObjectStore: {
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
      },
    });
    new CnpgScheduledBackup(this, 'nightly-backup', {
      metadata: metadata(`${props.name}-nightly`),
      spec: { schedule: s.backup.schedule, cluster: { name: props.name }, backupOwnerReference: 'self', method: 'barmanObjectStore', immediate: true },
    });
    // Session pooling keeps advisory locks (migrations) and prepared statements working.
    new CnpgPooler(this, 'pooler', {
      metadata: metadata(`${props.name}-pooler-rw`),
      spec: {
        cluster: { name: props.name },
        instances: s.poolerInstances,
        type: 'rw',
        pgbouncer: { poolMode: 'session', parameters: { max_client_conn: '1000', default_pool_size: '20' } },
        monitoring: { enablePodMonitor: true },
      },
    });
  }
}
