/**
 * Typed models of the Strimzi resources this project uses (kafka.strimzi.io/v1).
 * Only the fields the charts set are declared; the tests validate the rendered
 * objects against the operator's CRD schema.
 */
import { ApiObject, type ApiObjectMetadata } from 'cdk8s';
import type { Construct } from 'constructs';

interface Resources { readonly requests: { cpu: string; memory: string }; readonly limits: { cpu: string; memory: string } }

export interface KafkaListener {
  readonly name: string;
  readonly port: number;
  readonly type: 'internal' | 'route' | 'loadbalancer' | 'nodeport' | 'ingress' | 'cluster-ip';
  readonly tls: boolean;
  readonly authentication?: { readonly type: 'scram-sha-512' | 'tls' };
}

export interface KafkaSpec {
  readonly kafka: {
    readonly version?: string;
    readonly listeners: readonly KafkaListener[];
    readonly authorization?: { readonly type: 'simple'; readonly superUsers?: readonly string[] };
    readonly config?: Record<string, string | number | boolean>;
    readonly rack?: { readonly topologyKey: string };
  };
  readonly entityOperator: {
    readonly topicOperator: { readonly resources?: Resources };
    readonly userOperator: { readonly resources?: Resources };
  };
}

export class StrimziKafka extends ApiObject {
  static readonly GVK = { apiVersion: 'kafka.strimzi.io/v1', kind: 'Kafka' } as const;
  constructor(scope: Construct, id: string, props: { metadata: ApiObjectMetadata; spec: KafkaSpec }) {
    super(scope, id, { ...StrimziKafka.GVK, metadata: props.metadata, spec: props.spec });
  }
}

export interface KafkaNodePoolSpec {
  readonly replicas: number;
  readonly roles: readonly ('controller' | 'broker')[];
  readonly storage: {
    readonly type: 'jbod';
    readonly volumes: readonly { readonly id: number; readonly type: 'persistent-claim'; readonly size: string; readonly deleteClaim: boolean; readonly kraftMetadata?: 'shared' }[];
  };
  readonly resources?: Resources;
}

export class StrimziKafkaNodePool extends ApiObject {
  static readonly GVK = { apiVersion: 'kafka.strimzi.io/v1', kind: 'KafkaNodePool' } as const;
  constructor(scope: Construct, id: string, props: { metadata: ApiObjectMetadata; spec: KafkaNodePoolSpec }) {
    super(scope, id, { ...StrimziKafkaNodePool.GVK, metadata: props.metadata, spec: props.spec });
  }
}

export interface KafkaTopicSpec {
  readonly topicName?: string;
  readonly partitions: number;
  readonly replicas: number;
  readonly config: Record<string, string | number>;
}

export class StrimziKafkaTopic extends ApiObject {
  static readonly GVK = { apiVersion: 'kafka.strimzi.io/v1', kind: 'KafkaTopic' } as const;
  constructor(scope: Construct, id: string, props: { metadata: ApiObjectMetadata; spec: KafkaTopicSpec }) {
    super(scope, id, { ...StrimziKafkaTopic.GVK, metadata: props.metadata, spec: props.spec });
  }
}

export type AclOperation = 'Read' | 'Write' | 'Create' | 'Delete' | 'Alter' | 'Describe' | 'DescribeConfigs' | 'IdempotentWrite' | 'All';

export interface KafkaAcl {
  readonly type?: 'allow' | 'deny';
  readonly resource: { readonly type: 'topic' | 'group' | 'cluster' | 'transactionalId'; readonly name?: string; readonly patternType?: 'literal' | 'prefix' };
  readonly operations: readonly AclOperation[];
}

export interface KafkaUserSpec {
  readonly authentication: { readonly type: 'scram-sha-512' | 'tls' };
  readonly authorization: { readonly type: 'simple'; readonly acls: readonly KafkaAcl[] };
}

export class StrimziKafkaUser extends ApiObject {
  static readonly GVK = { apiVersion: 'kafka.strimzi.io/v1', kind: 'KafkaUser' } as const;
  constructor(scope: Construct, id: string, props: { metadata: ApiObjectMetadata; spec: KafkaUserSpec }) {
    super(scope, id, { ...StrimziKafkaUser.GVK, metadata: props.metadata, spec: props.spec });
  }
}
