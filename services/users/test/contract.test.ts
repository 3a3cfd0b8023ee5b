import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startUsers, type TestUsers } from '@ticketing/testing';
import { prepareContractTests, runContractTests } from '../../../scripts/local-stack/python-tools.js';
import { generateSigningKeySet, tokenMintFromSigningKeys } from '../src/signing-keys.js';

describe('users contract: generated input against the served OpenAPI document', () => {
  const signingKeys = generateSigningKeySet();
  let users: TestUsers;
  let adminToken: string;
  const known = { organizationId: '' };
  before(
    async () => {
      await prepareContractTests();
      users = await startUsers({ USERS_SIGNING_KEYS: signingKeys });
      adminToken = await (await tokenMintFromSigningKeys(signingKeys))({ sub: 'contract-admin', role: 'admin' }, 600);
      known.organizationId = (await users.call('POST', '/organizations', { token: adminToken, body: { name: 'Contract Org' } })).body.id;
    },
    { timeout: 330_000 },
  );
  after(async () => users?.close());

  test('every status, content type and body is one the document describes; no 5xx', { timeout: 90_000 }, async () => {
    const run = await runContractTests({
      schemaUrl: `${users.url}/openapi.json`,
      bearerToken: adminToken,
      timeoutMs: 80_000,
      knownValues: { 'path.organizationId': [known.organizationId] },
    });
    assert.equal(run.code, 0, run.output);
  });
});
