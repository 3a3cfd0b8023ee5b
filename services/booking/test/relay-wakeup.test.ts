import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createKafka, createLogger, createMetrics, createPool, type Pool } from '@ticketing/platform';
import { createBookingDefinition } from '../src/app.js';
import { createBookingMetrics } from '../src/metrics.js';
import { startOutboxRelay } from '../src/outbox-relay.js';
import {
  createTestDatabase,
  createTestTopic,
  gateProducerSends,
  migrateSchemasBookingReads,
  migrateSchemaOf,
  testKafkaBrokers,
  testKafkaSasl,
  waitUntil,
} from '@ticketing/testing';

describe('outbox relay wake-ups', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  let topic: string;
  before(async () => {
    db = await createTestDatabase('relaywake');
    pool = createPool(db.url, 4, createLogger({}, 'error'));
    await migrateSchemasBookingReads(pool);
    await migrateSchemaOf(pool, createBookingDefinition());
    topic = await createTestTopic(testKafkaBrokers().join(','), 'relay-wakeup');
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  const insertMessage = async (): Promise<string> => {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO booking.outbox (message_id, topic, message_key, type, payload) VALUES ($1, $2, 'k', 'test', '{}') RETURNING id`,
      [randomUUID(), topic],
    );
    return rows[0]!.id;
  };
  const published = async (id: string) => (await pool.query('SELECT 1 FROM booking.outbox WHERE id = $1 AND published_at IS NOT NULL', [id])).rowCount === 1;

  test('a write notified while a batch is being sent goes out right after that batch, not at the next poll', { timeout: 60_000 }, async () => {
    // The real broker, with a gate in front of each send so the test can commit a write mid-send.
    const logger = createLogger({}, 'error');
    const kafka = createKafka(testKafkaBrokers(), 'relay-wakeup-test', logger, testKafkaSasl());
    const gate = gateProducerSends(kafka);
    const pollIntervalMs = 5_000;
    const metrics = createBookingMetrics({ metrics: createMetrics('booking'), pool, logger }).relay;
    const relay = startOutboxRelay({ pool, kafka, logger, metrics, pollIntervalMs });
    try {
      const first = await insertMessage();
      relay.notify();
      await gate.sending;
      // The relay is sending `first`; this commit and its nudge arrive meanwhile.
      const second = await insertMessage();
      const notifiedAt = Date.now();
      relay.notify();
      gate.open();
      await waitUntil('first published', () => published(first), { timeoutMs: 10_000, intervalMs: 20 });
      await waitUntil('second published', () => published(second), { timeoutMs: 2 * pollIntervalMs, intervalMs: 20 });
      const waitedMs = Date.now() - notifiedAt;
      assert.ok(waitedMs < pollIntervalMs / 5, `the second message waited ${waitedMs} ms (poll ${pollIntervalMs} ms)`);
    } finally {
      await relay.stop();
    }
  });
});
