/**
 * Typed models of the CloudNativePG resources this project uses
 * (postgresql.cnpg.io/v1). Only the fields the charts set are declared; the
 * tests validate the rendered objects against the operator's CRD schema.
 */
import { ApiObject, type ApiObjectMetadata } from 'cdk8s';
import type { Construct } from 'constructs';

interface SecretKeySelector { readonly name: string; readonly key: string }
interface Resources { readonly requests: { cpu: string; memory: string }; readonly limits: { cpu: string; memory: string } }

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
  readonly resources?: Resources;
  readonly affinity?: { readonly enablePodAntiAffinity?: boolean; readonly topologyKey?: string; readonly podAntiAffinityType?: 'preferred' | 'required' };
  readonly monitoring?: { readonly enablePodMonitor?: boolean };
  readonly backup?: {
    readonly retentionPolicy?: string;
    readonly barmanObjectStore: {
      readonly destinationPath: string;
      readonly endpointURL?: string;
      readonly s3Credentials: { readonly accessKeyId: SecretKeySelector; readonly secretAccessKey: SecretKeySelector };
      readonly wal?: { readonly compression?: 'gzip' | 'bzip2' | 'snappy' };
      readonly data?: { readonly compression?: 'gzip' | 'bzip2' | 'snappy' };
    };
  };
}

export class CnpgCluster extends ApiObject {
  static readonly GVK = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster' } as const;
  constructor(scope: Construct, id: string, props: { metadata: ApiObjectMetadata; spec: ClusterSpec }) {
    super(scope, id, { ...CnpgCluster.GVK, metadata: props.metadata, spec: props.spec });
  }
}

export interface PoolerSpec {
  readonly cluster: { readonly name: string };
  readonly instances: number;
  readonly type: 'rw' | 'ro';
  readonly pgbouncer: { readonly poolMode: 'session' | 'transaction'; readonly parameters?: Record<string, string> };
  readonly monitoring?: { readonly enablePodMonitor?: boolean };
}

export class CnpgPooler extends ApiObject {
  static readonly GVK = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Pooler' } as const;
  constructor(scope: Construct, id: string, props: { metadata: ApiObjectMetadata; spec: PoolerSpec }) {
    super(scope, id, { ...CnpgPooler.GVK, metadata: props.metadata, spec: props.spec });
  }
}

export interface ScheduledBackupSpec {
  /** Six-field cron (seconds first). */
  readonly schedule: string;
  readonly cluster: { readonly name: string };
  readonly backupOwnerReference?: 'none' | 'self' | 'cluster';
  readonly method?: 'barmanObjectStore' | 'volumeSnapshot' | 'plugin';
  readonly immediate?: boolean;
}

export class CnpgScheduledBackup extends ApiObject {
  static readonly GVK = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'ScheduledBackup' } as const;
  constructor(scope: Construct, id: string, props: { metadata: ApiObjectMetadata; spec: ScheduledBackupSpec }) {
    super(scope, id, { ...CnpgScheduledBackup.GVK, metadata: props.metadata, spec: props.spec });
  }
}
