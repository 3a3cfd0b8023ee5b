import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import type { EnvironmentSettings } from '../environments.js';
import { requiredTopics, topicSettings } from '../kafka-topics.js';
import { KafkaCluster, deadLetterTopic, declaredTopics, type TopicSettings } from '../lib/kafka-cluster.js';
import { selectorLabels } from '../lib/labels.js';
import { addonPods, dataStores, namespaces, partOf } from '../settings.js';

export interface KafkaChartProps extends ChartProps {
  readonly environment: EnvironmentSettings;
  readonly allServices: readonly ServiceDeclaration[];
}

/** A dead-letter topic without settings of its own: few messages, kept two weeks for inspection and replay. */
function deadLetterSettings(name: string): TopicSettings | undefined {
  const source = Object.keys(topicSettings).find((t) => deadLetterTopic(t) === name);
  return source ? { partitions: 3, retentionHours: 14 * 24 } : undefined;
}

/** The platform's Kafka (Strimzi, KRaft), its topics and one user per service. */
export class KafkaChart extends Chart {
  constructor(scope: Construct, id: string, props: KafkaChartProps) {
    super(scope, id, { ...props, namespace: namespaces.app });
    const topics: Record<string, TopicSettings> = {};
    for (const name of new Set([...requiredTopics, ...declaredTopics(props.allServices)])) {
      const settings = topicSettings[name] ?? deadLetterSettings(name);
      if (!settings) throw new Error(`topic "${name}" is named by a service but has no settings in charts/kafka-topics.ts`);
      topics[name] = settings;
    }
    new KafkaCluster(this, 'kafka', {
      name: dataStores.kafka.cluster,
      namespace: namespaces.app,
      listener: dataStores.kafka.listener,
      settings: props.environment.kafka,
      topics,
      services: props.allServices,
      podLabels: selectorLabels,
      prometheus: addonPods.prometheus,
      labels: { 'app.kubernetes.io/part-of': partOf, 'app.kubernetes.io/component': 'messaging' },
    });
  }
}
