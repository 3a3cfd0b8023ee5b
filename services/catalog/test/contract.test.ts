import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { prepareContractTests, runContractTests } from '../../../scripts/local-stack/python-tools.js';
import { eventBody, smallVenue, startCatalog, type TestCatalog, testToken, tokens } from '@ticketing/testing';

describe('catalog contract: generated input against the served OpenAPI document', () => {
  let catalog: TestCatalog;
  const known = { venueId: '', sectionId: '', eventId: '' };
  before(
    async () => {
      await prepareContractTests();
      catalog = await startCatalog({ LOG_LEVEL: 'error' });
      // Some data, so reads that find something are exercised too.
      const venue = (await catalog.call('POST', '/venues', { token: tokens.admin, body: smallVenue() })).body;
      known.venueId = venue.id;
      known.sectionId = venue.sections[0].id;
      known.eventId = (await catalog.call('POST', '/events', { token: tokens.admin, body: eventBody(known.venueId) })).body.id;
    },
    { timeout: 330_000 },
  );
  after(async () => catalog?.close());

  // 19 operations (imports, lifecycle and seat-map changes among them): room for a busy machine.
  test('every status, content type and body is one the document describes; no 5xx', { timeout: 160_000 }, async () => {
    const run = await runContractTests({
      schemaUrl: `${catalog.url}/openapi.json`,
      bearerToken: testToken('contract-admin', 'admin'),
      timeoutMs: 150_000,
      knownValues: {
        'path.venueId': [known.venueId],
        'path.sectionId': [known.sectionId],
        'body.venueId': [known.venueId],
        'path.eventId': [known.eventId],
      },
    });
    assert.equal(run.code, 0, run.output);
  });
});
