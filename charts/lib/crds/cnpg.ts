/**
 * Typed models of the CloudNativePG resources this project uses
 * (postgresql.cnpg.io/v1). Only the fields the charts set are declared; the
 * tests validate the rendered objects against the operator's CRD schema.
 */
import { customResource, type ResourceRequirements } from './custom-resource.js';

interface SecretKeySelector {
  readonly name: string;
  readonly key: string;
}

export interface ClusterSpec {
  readonly instances: number;
  readonly imageName?: string;
  readonly primaryUpdateStrategy?: 'unsupervised' | 'supervised';
  readonly postgresql?: {
    readonly parameters?: Record<string, string>;
    readonly synchronous?: { readonly method: 'any' | 'first'; readonly number: number; readonly dataDurability?: 'required' | 'preferred' };
  };
  readonly bootstrap: { readonly initdb: { readonly database: string; readonly owner: string } };
  readonly storage: { readonly size: string; readonly storageClass?: string };
  readonly walStorage?: { readonly size: string; readonly storageClass?: string };
  readonly resources?: ResourceRequirements;
  readonly affinity?: { readonly enablePodAntiAffinity?: boolean; readonly topologyKey?: string; readonly podAntiAffinityType?: 'preferred' | 'required' };
  readonly monitoring?: { readonly enablePodMonitor?: boolean };
  /** CNPG's own PodDisruptionBudget; off for a single instance, or a node with it can never drain. */
  readonly enablePDB?: boolean;
  /** CNPG-I plugins (e.g. barman-cloud as the WAL archiver). */
  readonly plugins?: readonly { readonly name: string; readonly isWALArchiver?: boolean; readonly parameters?: Record<string, string> }[];
}

export const CnpgCluster = customResource<ClusterSpec>('postgresql.cnpg.io/v1', 'Cluster');
/** The rendered Cluster object (what PostgresCluster exposes as `cluster`). */
export type CnpgCluster = InstanceType<typeof CnpgCluster>;

export interface ScheduledBackupSpec {
  /** Six-field cron (seconds first). */
  readonly schedule: string;
  readonly cluster: { readonly name: string };
  readonly backupOwnerReference?: 'none' | 'self' | 'cluster';
  readonly method?: 'barmanObjectStore' | 'volumeSnapshot' | 'plugin';
  readonly immediate?: boolean;
  /** The plugin that takes the backup (method `plugin`). */
  readonly pluginConfiguration?: { readonly name: string; readonly parameters?: Record<string, string> };
}

export const CnpgScheduledBackup = customResource<ScheduledBackupSpec>('postgresql.cnpg.io/v1', 'ScheduledBackup');

/**
 * The barman-cloud plugin's object store (barmancloud.cnpg.io/v1): where base
 * backups and the WAL archive go. Its CRD ships with the plugin's chart; the
 * schema tests check it against `objectStoreSchema` below.
 */
export interface ObjectStoreSpec {
  readonly retentionPolicy?: string;
  readonly configuration: {
    readonly destinationPath: string;
    readonly endpointURL?: string;
    readonly s3Credentials: { readonly accessKeyId: SecretKeySelector; readonly secretAccessKey: SecretKeySelector };
    readonly wal?: { readonly compression?: 'gzip' | 'bzip2' | 'snappy' };
    readonly data?: { readonly compression?: 'gzip' | 'bzip2' | 'snappy' };
  };
}

export const BarmanObjectStore = customResource<ObjectStoreSpec>('barmancloud.cnpg.io/v1', 'ObjectStore');
