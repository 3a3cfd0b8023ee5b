import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { prepareContractTests, runContractTests } from '../../../scripts/local-stack/python-tools.js';
import { type BookingHarness, type SeededEvent, seedEvent, startBookingHarness, testSecrets, testToken } from '@ticketing/testing';

describe('booking contract: generated input against the served OpenAPI document', () => {
  let h: BookingHarness;
  let event: SeededEvent;
  before(
    async () => {
      await prepareContractTests();
      h = await startBookingHarness({ PAYMENT_TIMEOUT_MS: '200' });
      event = await seedEvent(h.pool, { seats: 20 });
    },
    { timeout: 330_000 },
  );
  after(async () => h?.close());

  test('every status, content type and body is one the document describes; no 5xx', { timeout: 90_000 }, async () => {
    const run = await runContractTests({
      schemaUrl: `${h.url}/openapi.json`,
      bearerToken: testToken('contract-buyer', 'admin'),
      timeoutMs: 80_000,
      knownValues: {
        'path.eventId': [event.eventId],
        'body.eventId': [event.eventId],
        'body.seatIds[*]': event.seatIds,
        'body.generalAdmission.sectionId': [event.gaSectionId],
      },
      // Signed like the provider does, so the webhook's body handling is exercised too.
      hmacSigned: { method: 'POST', path: '/payments/webhook', header: 'X-Signature', secret: testSecrets.PAYMENT_WEBHOOK_SECRET },
      // Never ends by design; availability-stream.test.ts covers it.
      excludeOperationIds: ['streamAvailability'],
    });
    assert.equal(run.code, 0, run.output);
  });
});
