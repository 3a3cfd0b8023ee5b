/**
 * The one test harness every package's tests import. The lowest layer
 * (throwaway databases, test secrets and tokens, a JSON fetch) is the
 * platform's, re-exported here so a test needs this package alone.
 */
export {
  createTestDatabase,
  gateProducerSends,
  http,
  testAuthEnv,
  testDatabaseServerUrl,
  testKafkaBrokers,
  testKafkaEnv,
  testKafkaSasl,
  testSecrets,
  testToken,
} from '@ticketing/platform/testing';
export { startAnalytics, type TestAnalytics } from './analytics.js';
export { bookingMessage, startAfterPurchaseHarness, type AfterPurchaseHarness } from './after-purchase.js';
export { bookingEnv, startBookingHarness, type BookingHarness } from './booking.js';
export { eventBody, smallVenue, startCatalog, tokens, type TestCatalog } from './catalog.js';
export { findFreePort } from '../../../scripts/local-stack/ports.js';
export { procStatusMiB, spawnServiceChild, type ServiceChild } from './service-child.js';
export { assertInventoryInvariants, lapseHolds, seedEvent, type SeededEvent } from './inventory.js';
export { consumeTopic, createTestTopic, readTopic, type ConsumedMessage, type RawRecord } from './kafka.js';
export { openEventStream, type OpenEventStream, type ReceivedEvent } from './event-stream.js';
export {
  migrateCatalogSchema,
  migrateSchemaOf,
  migrateSchemasBookingReads,
  startCatalogAndBooking,
  testPool,
  testServiceEnv,
  type LocalServices,
} from './services.js';
export { startObservedStack, type ObservedStack } from './observed-stack.js';
export { startPublicStack, type PublicStack, type PublicStackOptions } from './public-stack.js';
export { onEveryQuery, type QueryCall } from './queries.js';
export { pageTextsOfPdf, qrCodesOfPdf } from './receipts.js';
export { testRedisUrl } from './redis.js';
export { startSmtp, type ReceivedMail, type TestSmtp } from './smtp.js';
export { httpUntilAnswered } from './retrying.js';
export { fastUsersEnv, startUsers, type TestUsers } from './users.js';
export { waitUntil } from './waiting.js';
export { startWaitingRoomStack, type WaitingRoomStack } from './waiting-room.js';
