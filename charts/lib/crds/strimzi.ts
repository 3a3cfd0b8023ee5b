/**
 * Typed models of the Strimzi resources this project uses (kafka.strimzi.io/v1).
 * Only the fields the charts set are declared; the tests validate the rendered
 * objects against the operator's CRD schema.
 */
import { customResource, type ResourceRequirements } from './custom-resource.js';

export interface KafkaListener {
  readonly name: string;
  readonly port: number;
  readonly type: 'internal' | 'route' | 'loadbalancer' | 'nodeport' | 'ingress' | 'cluster-ip';
  readonly tls: boolean;
  readonly authentication?: { readonly type: 'scram-sha-512' | 'tls' };
  /** Who may connect (Strimzi renders the NetworkPolicy); empty or absent: everyone. */
  readonly networkPolicyPeers?: readonly { readonly podSelector: { readonly matchLabels: Record<string, string> } }[];
}

export interface KafkaSpec {
  readonly kafka: {
    readonly version?: string;
    readonly listeners: readonly KafkaListener[];
    readonly authorization?: { readonly type: 'simple'; readonly superUsers?: readonly string[] };
    readonly config?: Record<string, string | number | boolean>;
    readonly rack?: { readonly topologyKey: string };
    /** Broker metrics over HTTP (port `tcp-prometheus`); the Strimzi Metrics Reporter needs no JMX exporter config. */
    readonly metricsConfig?: { readonly type: 'strimziMetricsReporter'; readonly values: { readonly allowList: readonly string[] } };
  };
  /** Kafka Exporter: consumer-group lag per topic and partition (kafka_consumergroup_lag). */
  readonly kafkaExporter?: { readonly topicRegex: string; readonly groupRegex: string; readonly resources?: ResourceRequirements };
  readonly entityOperator: {
    readonly topicOperator: { readonly resources?: ResourceRequirements };
    readonly userOperator: { readonly resources?: ResourceRequirements };
  };
}

export const StrimziKafka = customResource<KafkaSpec>('kafka.strimzi.io/v1', 'Kafka');

export interface KafkaNodePoolSpec {
  readonly replicas: number;
  readonly roles: readonly ('controller' | 'broker')[];
  readonly storage: {
    readonly type: 'jbod';
    readonly volumes: readonly {
      readonly id: number;
      readonly type: 'persistent-claim';
      readonly size: string;
      readonly deleteClaim: boolean;
      readonly kraftMetadata?: 'shared';
    }[];
  };
  readonly resources?: ResourceRequirements;
}

export const StrimziKafkaNodePool = customResource<KafkaNodePoolSpec>('kafka.strimzi.io/v1', 'KafkaNodePool');

export interface KafkaTopicSpec {
  readonly topicName?: string;
  readonly partitions: number;
  readonly replicas: number;
  readonly config: Record<string, string | number>;
}

export const StrimziKafkaTopic = customResource<KafkaTopicSpec>('kafka.strimzi.io/v1', 'KafkaTopic');

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

export const StrimziKafkaUser = customResource<KafkaUserSpec>('kafka.strimzi.io/v1', 'KafkaUser');
