/**
 * Who may do what on Kafka, derived from the service declarations
 * (`dependencies.kafka`): the Strimzi KafkaUsers in-cluster and the SCRAM
 * users of the local broker (scripts/local-stack/kafka.ts) both come from
 * here. No cdk8s: the local stack loads it too.
 */
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import type { KafkaAcl } from './crds/strimzi.js';

export type { KafkaAcl };

/** Every topic a set of declarations names (produced or consumed, and the dead-letter topic of each consumed one), sorted. */
export function declaredTopics(services: readonly ServiceDeclaration[]): string[] {
  const names = new Set<string>();
  for (const s of services) {
    for (const t of s.dependencies.kafka?.produces ?? []) names.add(t);
    for (const t of s.dependencies.kafka?.consumes ?? []) names.add(t).add(deadLetterTopic(t));
  }
  return [...names].sort();
}

/** Where runConsumer dead-letters a message of `topic` (services/platform/src/kafka.ts). */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** Services that use Kafka: each gets a KafkaUser (in-cluster) or a SCRAM user (local broker). */
export function kafkaUsers(services: readonly ServiceDeclaration[]): ServiceDeclaration[] {
  return services.filter((s) => s.dependencies.kafka);
}

/**
 * ACLs of one service: Write/Describe on what it produces, Read/Describe on
 * what it consumes (+ its group) and Write/Describe on the dead-letter topic
 * of each topic it consumes.
 */
export function aclsFor(service: ServiceDeclaration): KafkaAcl[] {
  const k = service.dependencies.kafka;
  if (!k) return [];
  const acls: KafkaAcl[] = [];
  for (const topic of k.produces) {
    acls.push({ type: 'allow', resource: { type: 'topic', name: topic, patternType: 'literal' }, operations: ['Write', 'Describe'] });
  }
  if (k.produces.length > 0 || k.consumes.length > 0) {
    // The idempotent producer (kafkajs default for `idempotent: true`) needs this cluster permission.
    acls.push({ type: 'allow', resource: { type: 'cluster' }, operations: ['IdempotentWrite'] });
  }
  for (const topic of k.consumes) {
    acls.push({ type: 'allow', resource: { type: 'topic', name: topic, patternType: 'literal' }, operations: ['Read', 'Describe'] });
    acls.push({ type: 'allow', resource: { type: 'topic', name: deadLetterTopic(topic), patternType: 'literal' }, operations: ['Write', 'Describe'] });
  }
  if (k.consumes.length > 0) {
    acls.push({ type: 'allow', resource: { type: 'group', name: k.consumerGroup ?? service.name, patternType: 'literal' }, operations: ['Read'] });
  }
  return acls;
}
