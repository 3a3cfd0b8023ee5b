/**
 * Prints messages of the ticket-bookings topic as they arrive, one line each:
 *   npm run bookings:tail               (new messages)
 *   npm run bookings:tail -- --from-beginning
 * Uses KAFKA_BROKERS (default: the local broker `npm start` runs, logging
 * in as its super user) and KAFKA_TOPIC_BOOKINGS (default ticket-bookings);
 * KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD for a broker of your own.
 */
import { parseArgs } from 'node:util';
import { bookingsTopic } from '@ticketing/booking/service';
import { Kafka, logLevel } from 'kafkajs';
import { join } from 'node:path';
import { localSuperUser, saslOptions } from './local-stack/kafka.js';
import { localDir } from './local-stack/paths.js';

const { values } = parseArgs({ options: { 'from-beginning': { type: 'boolean', default: false } } });
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const topic = process.env.KAFKA_TOPIC_BOOKINGS ?? bookingsTopic;

const login = process.env.KAFKA_SASL_USERNAME
  ? { username: process.env.KAFKA_SASL_USERNAME, password: process.env.KAFKA_SASL_PASSWORD ?? '' }
  : process.env.KAFKA_BROKERS
    ? undefined
    : localSuperUser(join(localDir, 'dev', 'kafka'));
const kafka = new Kafka({
  clientId: 'bookings-tail',
  brokers,
  ...(login ? { sasl: saslOptions(login) } : {}),
  logLevel: logLevel.NOTHING,
  retry: { retries: 3 },
});
const consumer = kafka.consumer({ groupId: `bookings-tail-${process.pid}-${Date.now()}` });
try {
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: values['from-beginning'] });
} catch (error) {
  process.stderr.write(`cannot read ${topic} from Kafka at ${brokers.join(',')}: ${(error as Error).message}\nIs \`npm start\` running?\n`);
  process.exit(1);
}
process.stderr.write(`listening on ${topic} at ${brokers.join(',')} (Ctrl-C to stop)\n`);
await consumer.run({
  eachMessage: async ({ partition, message }) => {
    const value = JSON.parse(message.value?.toString() ?? '{}') as { id?: string; type?: string; occurredAt?: string; data?: Record<string, unknown> };
    const data = value.data ?? {};
    const what = data.bookingReference ?? data.holdId ?? data.paymentId ?? '';
    process.stdout.write(
      `${value.occurredAt}  ${String(value.type).padEnd(18)} event=${message.key?.toString()} ${what} p${partition}@${message.offset} id=${value.id}\n`,
    );
  },
});
const stop = async () => {
  await consumer.disconnect().catch(() => undefined);
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
