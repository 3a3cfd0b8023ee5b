import { ApiObject, type ApiObjectProps } from 'cdk8s';
import { Construct } from 'constructs';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import type { ResourceRequirements } from './crds/custom-resource.js';
import { IngressAllowPolicy } from './ingress-policy.js';
import { keepDataAnnotations } from './postgres-cluster.js';
import { StrimziKafka, StrimziKafkaNodePool, StrimziKafkaTopic, StrimziKafkaUser } from './crds/strimzi.js';
import { aclsFor, kafkaUsers } from './kafka-acls.js';

export { aclsFor, deadLetterTopic, declaredTopics, kafkaUsers } from './kafka-acls.js';

/** Settings of one topic. */
export interface TopicSettings {
  readonly partitions: number;
  /** How long records are kept (`retention.ms`). */
  readonly retentionHours: number;
  /** `cleanup.policy`. @default 'delete' */
  readonly cleanupPolicy?: 'delete' | 'compact';
}

/** The sizes of one Kafka cluster (they differ per environment). */
export interface KafkaClusterSettings {
  /** KRaft controller-only nodes; 0 means brokers also act as controllers (dual role). */
  readonly controllers: number;
  readonly brokers: number;
  /** Broker volume size. */
  readonly storageSize: string;
  /** Requests/limits of every node. */
  readonly resources: ResourceRequirements;
  /** Replication factor of every topic (and min.insync.replicas = replicas - 1, at least 1). */
  readonly topicReplicas: number;
}

export interface KafkaClusterProps {
  readonly name: string;
  readonly namespace: string;
  /** The internal listener clients use (SCRAM-SHA-512 authentication). */
  readonly listener: { readonly name: string; readonly port: number };
  /** Node counts, storage, resources, topic replication. */
  readonly settings: KafkaClusterSettings;
  /** Topic name → settings, for every topic to create. */
  readonly topics: Readonly<Record<string, TopicSettings>>;
  /** Services that get a KafkaUser with ACLs from their declared produces/consumes. */
  readonly services: readonly ServiceDeclaration[];
  /** Labels of one service's pods: only the Kafka users' pods may connect to the listener. */
  readonly podLabels: (service: string) => Record<string, string>;
  /** Prometheus's pods (they scrape the Kafka Exporter). */
  readonly prometheus: { readonly podLabels: Record<string, string>; readonly namespace: string };
  /**
   * Kafka version the Strimzi operator runs.
   * @default the Strimzi operator's default Kafka version
   */
  readonly kafkaVersion?: string;
  /** Labels on every object. @default {} */
  readonly labels?: Record<string, string>;
}

/** Broker metrics the Strimzi Metrics Reporter exposes (regexes over the Prometheus names). */
export const brokerMetricsAllowList = ['kafka_server_replicamanager_.*', 'kafka_controller_kafkacontroller_.*', 'kafka_server_brokertopicmetrics_.*'] as const;

/**
 * A Strimzi Kafka cluster in KRaft mode with node pools, a KafkaTopic per
 * topic and a KafkaUser (SCRAM-SHA-512, ACLs) per service that uses Kafka.
 */
export class KafkaCluster extends Construct {
  constructor(scope: Construct, id: string, props: KafkaClusterProps) {
    super(scope, id);
    const s = props.settings;
    const labels = props.labels ?? {};
    const clusterLabel = { 'strimzi.io/cluster': props.name };
    const metadata = (name: string, extra: Record<string, string> = {}) => ({ name, namespace: props.namespace, labels: { ...labels, ...extra } });
    // The data: never pruned, never deleted with its Application.
    const keptData = (name: string, extra: Record<string, string> = {}) => ({ ...metadata(name, extra), annotations: { ...keepDataAnnotations } });
    const replicas = Math.min(s.topicReplicas, s.brokers);
    const minInSync = Math.max(1, replicas - 1);

    const volume = (size: string) => ({
      type: 'jbod' as const,
      volumes: [{ id: 0, type: 'persistent-claim' as const, size, deleteClaim: false, kraftMetadata: 'shared' as const }],
    });
    if (s.controllers > 0) {
      new StrimziKafkaNodePool(this, 'controllers', {
        metadata: keptData('controller', clusterLabel),
        spec: { replicas: s.controllers, roles: ['controller'], storage: volume('20Gi'), resources: s.resources },
      });
      new StrimziKafkaNodePool(this, 'brokers', {
        metadata: keptData('broker', clusterLabel),
        spec: { replicas: s.brokers, roles: ['broker'], storage: volume(s.storageSize), resources: s.resources },
      });
    } else {
      new StrimziKafkaNodePool(this, 'dual-role', {
        metadata: keptData('dual-role', clusterLabel),
        spec: { replicas: s.brokers, roles: ['controller', 'broker'], storage: volume(s.storageSize), resources: s.resources },
      });
    }

    new StrimziKafka(this, 'kafka', {
      metadata: keptData(props.name),
      spec: {
        kafka: {
          ...(props.kafkaVersion ? { version: props.kafkaVersion } : {}),
          listeners: [
            {
              name: props.listener.name,
              port: props.listener.port,
              type: 'internal',
              tls: false,
              authentication: { type: 'scram-sha-512' },
              networkPolicyPeers: kafkaUsers(props.services).map((service) => ({ podSelector: { matchLabels: props.podLabels(service.name) } })),
            },
          ],
          authorization: { type: 'simple' },
          config: {
            'default.replication.factor': replicas,
            'min.insync.replicas': minInSync,
            'offsets.topic.replication.factor': replicas,
            'transaction.state.log.replication.factor': replicas,
            'transaction.state.log.min.isr': minInSync,
            'auto.create.topics.enable': false,
          },
          ...(s.brokers > 1 ? { rack: { topologyKey: 'topology.kubernetes.io/zone' } } : {}),
          // What the dashboards and alerts read (charts/observability): replication health and broker throughput.
          metricsConfig: { type: 'strimziMetricsReporter', values: { allowList: brokerMetricsAllowList } },
        },
        kafkaExporter: { topicRegex: '.*', groupRegex: '.*' },
        entityOperator: { topicOperator: {}, userOperator: {} },
      },
    });

    // Brokers and the Kafka Exporter serve metrics on their `tcp-prometheus` port.
    const podMonitor = new PodMonitor({
      metadata: metadata(props.name),
      spec: {
        selector: { matchLabels: clusterLabel },
        namespaceSelector: { matchNames: [props.namespace] },
        podMetricsEndpoints: [{ port: 'tcp-prometheus', path: '/metrics', interval: '30s' }],
      },
    });
    podMonitor.validate();
    // Strimzi renders the brokers' NetworkPolicies (listener peers above); the Kafka Exporter gets none.
    new IngressAllowPolicy(this, 'exporter-network', {
      metadata: metadata(`${props.name}-kafka-exporter`),
      podLabels: { 'strimzi.io/name': `${props.name}-kafka-exporter` },
      from: [{ ...props.prometheus, ports: [9404] }],
    });
    new ApiObject(this, 'pod-monitor', podMonitor.toJSON() as ApiObjectProps);

    for (const [topic, t] of Object.entries(props.topics).sort(([a], [b]) => a.localeCompare(b))) {
      new StrimziKafkaTopic(this, `topic-${topic}`, {
        metadata: metadata(topic, clusterLabel),
        spec: {
          topicName: topic,
          partitions: t.partitions,
          replicas,
          config: {
            'retention.ms': String(t.retentionHours * 3600 * 1000),
            'cleanup.policy': t.cleanupPolicy ?? 'delete',
            'min.insync.replicas': String(minInSync),
          },
        },
      });
    }

    for (const service of kafkaUsers(props.services)) {
      new StrimziKafkaUser(this, `user-${service.name}`, {
        metadata: metadata(service.name, clusterLabel),
        spec: { authentication: { type: 'scram-sha-512' }, authorization: { type: 'simple', acls: aclsFor(service) } },
      });
    }
  }
}
