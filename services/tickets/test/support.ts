/** Tickets' own test support: the dead-letter topic. */
import { readTopic, testKafkaBrokers } from '@ticketing/testing';

/** Reads the dead-letter topic from the beginning until `count` records are there. */
export const readDeadLetters = (topic: string, count: number, timeoutMs = 30_000) =>
  readTopic(testKafkaBrokers(), topic, (records) => records.length >= count, timeoutMs);
