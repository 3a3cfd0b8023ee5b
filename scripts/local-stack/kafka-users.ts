import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import { aclsFor, kafkaUsers } from '../../charts/lib/kafka-acls.js';
import type { KafkaUser } from './kafka.js';

/**
 * The users of the local broker: one per service that declares Kafka, with
 * the ACLs of its KafkaUser in the cluster (charts/lib/kafka-acls.ts), so a
 * newly declared service gets its login and its permissions with no change here.
 */
export function localKafkaUsers(services: readonly ServiceDeclaration[]): KafkaUser[] {
  return kafkaUsers(services).map((s) => ({ username: s.name, acls: aclsFor(s) }));
}
