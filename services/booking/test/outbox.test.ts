import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureTopic, startKafka, type RunningKafka } from '../../../scripts/local-stack/kafka.js';
import { validateMessage } from './support.js';
import { type BookingHarness, consumeTopic, findFreePort, http, seedEvent, startBookingHarness, testToken, waitUntil } from '@ticketing/testing';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

describe('outbox relay to a real Kafka broker', () => {
  let kafka: RunningKafka;
  let port: number;
  let dataDir: string;
  let controllerPort: number;
  let h: BookingHarness;
  const topic = 'ticket-bookings';

  before(async () => {
    // A broker of its own: this test stops and restarts it. It is plaintext,
    // so neither booking nor the test's readers log in to it.
    delete process.env.TEST_KAFKA_SASL;
    port = await findFreePort();
    dataDir = mkdtempSync(path.join(repoRoot, '.local', 'kafka-outage-'));
    controllerPort = await findFreePort();
    kafka = await startKafka({ dataDir, port, controllerPort });
    await ensureTopic(kafka.brokers, topic, 3);
    h = await startBookingHarness({ KAFKA_BROKERS: kafka.brokers, KAFKA_TOPIC_BOOKINGS: topic, OUTBOX_POLL_INTERVAL_MS: '100' });
  });
  after(async () => {
    await h?.close();
    await kafka?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const pending = async () => (await h.pool.query('SELECT count(*)::int AS n FROM booking.outbox WHERE published_at IS NULL')).rows[0].n as number;

  test('with Kafka down, bookings still succeed; when it returns every message is delivered exactly once, in order per event', async () => {
    const event = await seedEvent(h.pool, { seats: 12 });
    const buyer = testToken('kafka-buyer', 'buyer');
    // Kafka up: a hold's message is relayed promptly.
    const first = await http(h.url, 'POST', '/holds', { token: buyer, body: { eventId: event.eventId, seatIds: [event.seatIds[0]] } });
    assert.equal(first.status, 201);
    await waitUntil('first message published', async () => (await pending()) === 0);

    await kafka.stop();
    for (let i = 1; i < 6; i++) {
      const hold = await http(h.url, 'POST', '/holds', { token: buyer, body: { eventId: event.eventId, seatIds: [event.seatIds[i]] } });
      assert.equal(hold.status, 201, 'holds succeed while Kafka is down');
      const paid = await http(h.url, 'POST', `/holds/${hold.body.id}/checkout`, { token: buyer, body: { paymentMethod: 'pm_card_approved' } });
      assert.equal(paid.status, 201, 'bookings succeed while Kafka is down');
    }
    assert.ok((await pending()) >= 15, 'messages wait in the outbox');

    kafka = await startKafka({ dataDir, port, controllerPort });
    await waitUntil('outbox drained after Kafka returned', async () => (await pending()) === 0);

    const outbox = await h.pool.query<{ message_id: string; message_key: string }>('SELECT message_id, message_key FROM booking.outbox ORDER BY id');
    const consumed = await consumeTopic(kafka.brokers, topic, (m) => new Set(m.map((x) => x.value.id)).size >= outbox.rows.length);
    const ids = consumed.map((m) => m.value.id);
    assert.equal(new Set(ids).size, ids.length, 'no message delivered twice');
    assert.deepEqual(new Set(ids), new Set(outbox.rows.map((r) => r.message_id)), 'every outbox message delivered');
    for (const message of consumed) {
      assert.equal(message.key, event.eventId, 'key = event id');
      assert.equal(message.headerId, message.value.id, 'message-id header matches the body');
      assert.ok(validateMessage(message.value), JSON.stringify(validateMessage.errors));
    }
    // Same key, same partition: consumption order equals outbox order.
    assert.deepEqual(
      ids,
      outbox.rows.map((r) => r.message_id),
    );
    assert.deepEqual(
      consumed.slice(0, 4).map((m) => m.value.type),
      ['hold.created', 'hold.created', 'hold.extended', 'booking.confirmed'],
    );
  });
});
