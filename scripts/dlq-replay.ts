/**
 * `npm run dlq:replay -- --group <consumer group> [--topic ticket-bookings.dlq] [--dry-run]`:
 * after a fix is deployed, sends the messages that consumer group parked on
 * the dead-letter topic back to their original topic (docs/events.md).
 * Kafka from KAFKA_BROKERS (default the local stack's 127.0.0.1:9092), with
 * KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD when set (in a cluster: a user
 * allowed to read the DLQ and write the original topic).
 */
import { parseArgs } from 'node:util';
import { createKafka, createLogger } from '@ticketing/platform';
import { replayDeadLetters } from '@ticketing/platform/dead-letters';
import { bookingsTopic } from '@ticketing/booking/service';

const { values } = parseArgs({
  options: {
    topic: { type: 'string', default: `${bookingsTopic}.dlq` },
    group: { type: 'string' },
    all: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
  },
});
if (!values.group && !values.all) {
  process.stderr.write('Usage: npm run dlq:replay -- --group <consumer group> | --all [--topic <dead-letter topic>] [--dry-run]\n');
  process.exit(2);
}
const logger = createLogger({ service: 'dlq-replay' }, 'info');
const kafka = createKafka((process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), 'dlq-replay', logger, {
  username: process.env.KAFKA_SASL_USERNAME ?? '',
  password: process.env.KAFKA_SASL_PASSWORD ?? '',
});
const result = await replayDeadLetters({
  kafka,
  deadLetterTopic: values.topic,
  ...(values.group ? { group: values.group } : {}),
  dryRun: values['dry-run'],
  logger,
});
process.stdout.write(`${values['dry-run'] ? 'would replay' : 'replayed'} ${result.replayed}, left ${result.skipped} of other groups\n`);
