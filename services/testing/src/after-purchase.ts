import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { BookingMessage, BookingMessageData, BookingMessageType } from '@ticketing/booking/messages';
import { usersDefinition } from '@ticketing/users/app';
import { createTestDatabase, testKafkaBrokers, testKafkaSasl } from '@ticketing/platform/testing';
import { startService, type RunningService, type ServiceDefinition } from '@ticketing/platform';
import type pg from 'pg';
import { ensureTopic } from '../../../scripts/local-stack/kafka.js';
import { seedEvent, type SeededEvent } from './inventory.js';
import { createTestTopic } from './kafka.js';
import { migrateCatalogSchema, migrateSchemaOf, testPool, testServiceEnv } from './services.js';

/*
 * For the services after a purchase (tickets, notifications): a database with
 * the catalog's and the users' tables they read, a seeded event, a fresh
 * bookings topic with its dead-letter topic, and booking messages published
 * the way booking's outbox relay publishes them.
 */

/** A message as booking's outbox writes it (fresh id unless given). */
export function bookingMessage<T extends BookingMessageType>(
  type: T,
  eventId: string,
  data: BookingMessageData<T>,
  id: string = randomUUID(),
): BookingMessage<T> {
  return { id, type, schemaVersion: 1, occurredAt: new Date().toISOString(), eventId, data };
}

export interface AfterPurchaseHarness {
  databaseUrl: string;
  pool: pg.Pool;
  topic: string;
  deadLetterTopic: string;
  event: SeededEvent;
  /** Publishes messages keyed by event id with the headers booking sets (or raw values, for poison). */
  publish(messages: readonly (BookingMessage | { raw: string; key: string; id?: string })[]): Promise<void>;
  /** Starts `definition` on this database and topic; stopped by close(). */
  start(definition: ServiceDefinition, env?: Record<string, string>): Promise<RunningService>;
  /** Inserts an account the way the users service stores one; returns its id. */
  addAccount(email: string, displayName: string): Promise<string>;
  close(): Promise<void>;
}

export async function startAfterPurchaseHarness(options: { partitions?: number } = {}): Promise<AfterPurchaseHarness> {
  const brokers = testKafkaBrokers().join(',');
  const db = await createTestDatabase('after_purchase');
  const pool = testPool(db.url, 5);
  await migrateCatalogSchema(pool);
  await migrateSchemaOf(pool, usersDefinition);
  const event = await seedEvent(pool, { seats: 12, gaCapacity: 2000 });
  const topic = await createTestTopic(brokers, 'ticket-bookings', options.partitions ?? 3);
  const deadLetterTopic = `${topic}.dlq`;
  await ensureTopic(brokers, deadLetterTopic, 1, testKafkaSasl());
  const sasl = testKafkaSasl();
  const kafka = new Kafka({ clientId: 'after-purchase-test', brokers: testKafkaBrokers(), ...(sasl ? { sasl } : {}), logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const running: RunningService[] = [];
  return {
    databaseUrl: db.url,
    pool,
    topic,
    deadLetterTopic,
    event,
    async publish(messages) {
      await producer.send({
        topic,
        acks: -1,
        messages: messages.map((m) =>
          'raw' in m
            ? { key: m.key, value: m.raw, headers: m.id ? { 'message-id': m.id } : {} }
            : { key: m.eventId, value: JSON.stringify(m), headers: { 'message-id': m.id, 'message-type': m.type, 'content-type': 'application/json' } },
        ),
      });
    },
    async start(definition, env = {}) {
      const service = await startService(definition, testServiceEnv(db.url, { KAFKA_TOPIC_BOOKINGS: topic, ...env }));
      running.push(service);
      return service;
    },
    async addAccount(email, displayName) {
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO users.accounts (email, password_hash, display_name, role) VALUES ($1, 'not-a-hash', $2, 'buyer') RETURNING id`,
        [email, displayName],
      );
      return rows[0]!.id;
    },
    async close() {
      for (const service of running.reverse()) await service.stop().catch(() => undefined);
      await producer.disconnect();
      await pool.end();
      await db.drop();
    },
  };
}
