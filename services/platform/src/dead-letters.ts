import type { IHeaders, Kafka } from 'kafkajs';
import { createReliableProducer, deadLetterHeaders } from './kafka.js';
import type { Logger } from './log.js';
import { createMetrics } from './metrics.js';

export interface ReplayOptions {
  kafka: Kafka;
  /** e.g. `ticket-bookings.dlq`. */
  deadLetterTopic: string;
  /** Only messages this consumer group gave up on (header `dlq-group`); others are left for their own replay. */
  group?: string;
  /** Count what would be replayed, send nothing, remember nothing. */
  dryRun?: boolean;
  logger: Logger;
}

export interface ReplayResult {
  replayed: number;
  skipped: number;
}

const dlqHeaderNames = new Set<string>(Object.values(deadLetterHeaders));

/**
 * Sends the dead-lettered messages back to the topics they came from (header
 * `dlq-topic`), with their own key, value and headers, up to the end the
 * dead-letter topic had when the replay started. Progress is kept as the
 * offsets of the consumer group `<dead-letter topic>.replay.<group or all>`,
 * so a second run replays only what was parked since. Consumer groups that
 * had handled a replayed message already skip it by its message id
 * (runConsumer's dedupe); the one that failed gets it again.
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayResult> {
  const { kafka, deadLetterTopic, logger } = options;
  const replayGroup = `${deadLetterTopic}.replay.${options.group ?? 'all'}`;
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  const starts = new Map<number, bigint>();
  try {
    const [committed] = await admin.fetchOffsets({ groupId: replayGroup, topics: [deadLetterTopic] });
    const from = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    for (const p of await admin.fetchTopicOffsets(deadLetterTopic)) {
      const start = from.get(p.partition) ?? -1n;
      const low = BigInt(p.low);
      const first = start < low ? low : start;
      starts.set(p.partition, first);
      if (BigInt(p.high) > first) ends.set(p.partition, BigInt(p.high));
    }
  } finally {
    await admin.disconnect();
  }
  const result: ReplayResult = { replayed: 0, skipped: 0 };
  if (ends.size === 0) return result;

  const producer = createReliableProducer(kafka, createMetrics('dlq-replay'));
  const consumer = kafka.consumer({ groupId: options.dryRun ? `${replayGroup}.dry-run.${Date.now()}` : replayGroup });
  await producer.connect();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: deadLetterTopic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const finished = (partition: number) => {
        ends.delete(partition);
        if (ends.size === 0) resolve();
      };
      consumer
        .run({
          autoCommit: !options.dryRun,
          eachMessage: async ({ partition, message }) => {
            const end = ends.get(partition);
            if (end === undefined || BigInt(message.offset) >= end || BigInt(message.offset) < (starts.get(partition) ?? 0n)) return;
            const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
            const origin = headers[deadLetterHeaders.topic];
            if (!origin || (options.group && headers[deadLetterHeaders.group] !== options.group)) {
              result.skipped += 1;
            } else {
              const original: IHeaders = Object.fromEntries(Object.entries(headers).filter(([k]) => !dlqHeaderNames.has(k)));
              if (!options.dryRun) await producer.send({ topic: origin, acks: -1, messages: [{ key: message.key, value: message.value, headers: original }] });
              result.replayed += 1;
              logger.info('dlq: replayed', { from: `${deadLetterTopic}/${partition}/${message.offset}`, to: origin, group: headers[deadLetterHeaders.group] });
            }
            if (BigInt(message.offset) + 1n >= end) finished(partition);
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
  return result;
}
