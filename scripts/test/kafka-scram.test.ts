/**
 * The local broker authenticates and authorizes like the cluster's Strimzi
 * Kafka: SCRAM-SHA-512 on the client listener, ACLs from the service
 * declarations (one user per service, as the KafkaUsers), nothing allowed
 * otherwise. Runs its own broker (the shared test broker is plaintext).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import { createKafka, createLogger, createMetrics, createReliableProducer, runConsumer } from '@ticketing/platform';
import { bookingsTopic } from '@ticketing/booking/service';
import { consumeTopic, createTestTopic, testServiceEnv } from '@ticketing/testing';
import { allServices } from '../../services/services.js';
import { aclsFor, deadLetterTopic, kafkaUsers } from '../../charts/lib/kafka-acls.js';
import { localKafkaUsers } from '../local-stack/kafka-users.js';
import { ensureTopic, saslOptions, startKafka, type RunningKafka, type ScramCredentials } from '../local-stack/kafka.js';
import { findFreePort } from '../local-stack/ports.js';

/** A service that consumes the bookings topic (its group and dead-letter topic come with it). */
const listener: ServiceDeclaration = {
  ...allServices.find((s) => s.name === 'booking')!,
  name: 'listener',
  dependencies: { postgres: false, services: [], kafka: { produces: [], consumes: [bookingsTopic], consumerGroup: 'listener' } },
};

/** A service declared with Kafka, but not for the bookings topic. */
const stranger: ServiceDeclaration = {
  ...allServices.find((s) => s.name === 'booking')!,
  name: 'stranger',
  dependencies: { postgres: false, services: [], kafka: { produces: ['stranger-events'], consumes: [] } },
};

describe('SCRAM-SHA-512 and ACLs on the local broker', { timeout: 240_000 }, () => {
  let kafka: RunningKafka;
  let dataDir: string;
  const logger = createLogger({}, 'error');
  const saved = { brokers: process.env.TEST_KAFKA_BROKERS, sasl: process.env.TEST_KAFKA_SASL };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kafka-scram-'));
    const port = await findFreePort();
    kafka = await startKafka({ dataDir, port, controllerPort: await findFreePort(), users: localKafkaUsers([...allServices, stranger, listener]) });
    assert.ok(kafka.superUser);
    await ensureTopic(kafka.brokers, bookingsTopic, 1, kafka.superUser);
    await ensureTopic(kafka.brokers, 'stranger-events', 1, kafka.superUser);
    await ensureTopic(kafka.brokers, deadLetterTopic(bookingsTopic), 1, kafka.superUser);
  });
  after(async () => {
    process.env.TEST_KAFKA_BROKERS = saved.brokers;
    if (saved.sasl === undefined) delete process.env.TEST_KAFKA_SASL;
    else process.env.TEST_KAFKA_SASL = saved.sasl;
    await kafka?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** What a service does at start: the platform's client and idempotent producer, with its login. */
  async function send(credentials: ScramCredentials | undefined, topic: string): Promise<void> {
    const client = createKafka([kafka.brokers], credentials?.username ?? 'anonymous', logger, credentials);
    const producer = createReliableProducer(client, createMetrics('scram-test'));
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v' }] });
    } finally {
      await producer.disconnect();
    }
  }

  test('every service that declares Kafka has a user, with exactly the ACLs its KafkaUser gets in the cluster', () => {
    const users = localKafkaUsers(allServices);
    assert.deepEqual(
      users.map((u) => u.username),
      kafkaUsers(allServices).map((s) => s.name),
    );
    for (const u of users) assert.deepEqual(u.acls, aclsFor(allServices.find((s) => s.name === u.username)!));
  });

  test('booking writes the bookings topic with its own login', async () => {
    await send(kafka.credentialsOf('booking'), bookingsTopic);
  });

  test('a service without an ACL for a topic is refused (TOPIC_AUTHORIZATION_FAILED)', async () => {
    await send(kafka.credentialsOf('stranger'), 'stranger-events');
    await assert.rejects(send(kafka.credentialsOf('stranger'), bookingsTopic), (error: Error & { type?: string; cause?: { type?: string } }) => {
      assert.match(`${error.message} ${error.type ?? ''} ${error.cause?.type ?? ''}`, /TOPIC_AUTHORIZATION_FAILED|not authorized to access topics/i);
      return true;
    });
  });

  test('a consumer reads with its own group and dead-letters what keeps failing (runConsumer, its own login)', async () => {
    const client = createKafka([kafka.brokers], 'listener', logger, kafka.credentialsOf('listener'));
    const consumer = await runConsumer({
      kafka: client,
      topic: bookingsTopic,
      group: 'listener',
      logger,
      metrics: createMetrics('scram-listener'),
      fromBeginning: true,
      handle: async () => {
        throw new Error('cannot handle it');
      },
    });
    try {
      const dead = await consumeTopicAs(kafka.superUser!, deadLetterTopic(bookingsTopic));
      assert.equal(dead.headers['dlq-topic'], bookingsTopic);
    } finally {
      await consumer.stop();
    }
  });

  /** The first message of `topic`, read as `login`. */
  async function consumeTopicAs(login: ScramCredentials, topic: string): Promise<{ headers: Record<string, string> }> {
    const reader = new Kafka({ clientId: 'reader', brokers: [kafka.brokers], sasl: saslOptions(login), logLevel: logLevel.NOTHING }).consumer({
      groupId: `reader-${Date.now()}`,
    });
    await reader.connect();
    try {
      await reader.subscribe({ topic, fromBeginning: true });
      return await new Promise((resolve, reject) => {
        setTimeout(() => reject(new Error(`nothing arrived on ${topic} within 30 s`)), 30_000).unref();
        void reader.run({
          eachMessage: async ({ message }) => resolve({ headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])) }),
        });
      });
    } finally {
      await reader.disconnect();
    }
  }

  test('a wrong password, or no login at all, gets nowhere', async () => {
    await assert.rejects(send({ username: 'booking', password: 'not-its-password' }, bookingsTopic), /SASL|authentication/i);
    const plain = new Kafka({ clientId: 'plain', brokers: [kafka.brokers], logLevel: logLevel.NOTHING, connectionTimeout: 2000, retry: { retries: 0 } });
    await assert.rejects(async () => {
      const admin = plain.admin();
      await admin.connect();
      try {
        await admin.listTopics();
      } finally {
        await admin.disconnect();
      }
    });
  });

  test("the test helpers carry the broker's login to every client (TEST_KAFKA_SASL)", async () => {
    process.env.TEST_KAFKA_BROKERS = kafka.brokers;
    process.env.TEST_KAFKA_SASL = `scram-sha-512:${kafka.superUser!.username}:${kafka.superUser!.password}`;
    const env = testServiceEnv('postgres://unused');
    assert.deepEqual(
      [env['KAFKA_BROKERS'], env['KAFKA_SASL_USERNAME'], env['KAFKA_SASL_PASSWORD']],
      [kafka.brokers, kafka.superUser!.username, kafka.superUser!.password],
    );
    const topic = await createTestTopic(kafka.brokers, 'scram-helpers', 1);
    const producer = new Kafka({ clientId: 'helpers', brokers: [kafka.brokers], sasl: saslOptions(kafka.superUser!), logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: JSON.stringify({ id: '1', type: 'x', data: {} }), headers: { 'message-id': '1' } }] });
    await producer.disconnect();
    const messages = await consumeTopic(kafka.brokers, topic, (m) => m.length >= 1, 30_000);
    assert.equal(messages.length, 1);
  });
});
