import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startWaitingRoomStack, testToken, type WaitingRoomStack } from '@ticketing/testing';
import { prepareContractTests, runContractTests } from '../../../scripts/local-stack/python-tools.js';

describe('waiting-room contract: generated input against the served OpenAPI document', () => {
  let stack: WaitingRoomStack;
  before(
    async () => {
      await prepareContractTests();
      stack = await startWaitingRoomStack();
    },
    { timeout: 330_000 },
  );
  after(async () => stack?.close());

  // An admin may do everything (organizer and buyer routes); generated event ids have no room, so no stream stays open.
  test('every status, content type and body is one the document describes; no 5xx', { timeout: 90_000 }, async () => {
    const run = await runContractTests({ schemaUrl: `${stack.url}/openapi.json`, bearerToken: testToken('contract-admin', 'admin'), timeoutMs: 80_000 });
    assert.equal(run.code, 0, run.output);
  });
});
