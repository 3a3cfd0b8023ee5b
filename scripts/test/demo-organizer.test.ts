/** The organizer account npm start prepares: created once through the users service, found again on the next start. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateSigningKeySet } from '@ticketing/users/signing-keys';
import { startUsers, type TestUsers } from '@ticketing/testing';
import { demoOrganizerEmail, ensureDemoOrganizer } from '../local-stack/demo-organizer.js';

let users: TestUsers;
const keys = generateSigningKeySet();
before(async () => {
  // devToken signs with USERS_SIGNING_KEYS from the environment: the same key this users service publishes.
  process.env.USERS_SIGNING_KEYS = keys;
  users = await startUsers({ USERS_SIGNING_KEYS: keys });
});
after(() => users?.close());

test('the first start creates the organizer (a partner of its own organization); later starts find it', async () => {
  const password = 'demo organizer password';
  assert.deepEqual(await ensureDemoOrganizer(users.url, password), { email: demoOrganizerEmail, password });
  const login = await users.call('POST', '/auth/login', { body: { email: demoOrganizerEmail, password } });
  assert.equal(login.status, 200);
  assert.equal(login.body.account.role, 'partner');
  assert.ok(login.body.account.organizationId);

  assert.deepEqual(await ensureDemoOrganizer(users.url, password), { email: demoOrganizerEmail, password });
  const again = await users.call('POST', '/auth/login', { body: { email: demoOrganizerEmail, password } });
  assert.equal(again.body.account.organizationId, login.body.account.organizationId, 'no second organization');
});
