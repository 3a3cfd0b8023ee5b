import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, compactVerify } from 'jose';
import { generateSigningKey } from '@ticketing/platform/signing-keys';
import { loadTicketCodes } from '../src/ticket-codes.js';

const set = (...keys: object[]) => JSON.stringify({ keys });

test('rotating TICKETS_SIGNING_KEYS: codes of the previous key verify while it is published, new codes carry the new kid, a retired key verifies nothing', async () => {
  const a = generateSigningKey(true);
  const b = generateSigningKey(false);
  const claims = { tid: crypto.randomUUID(), eid: crypto.randomUUID() };
  const codeOfA = await (await loadTicketCodes(set(a))).sign(claims);

  const rotated = await loadTicketCodes(set({ ...a, active: false }, { ...b, active: true }));
  assert.deepEqual(await rotated.verify(codeOfA), claims, 'A is still published');
  const codeOfB = await rotated.sign(claims);
  assert.equal(decodeProtectedHeader(codeOfB).kid, b.kid);
  assert.deepEqual(
    rotated.publicJwks.keys.map((k) => [k.kid, 'd' in k]),
    [
      [a.kid, false],
      [b.kid, false],
    ],
    'both keys published, no private part',
  );
  await compactVerify(codeOfB, createLocalJWKSet(rotated.publicJwks));

  const retired = await loadTicketCodes(set({ ...b, active: true }));
  assert.equal(await retired.verify(codeOfA), undefined);
  assert.deepEqual(await retired.verify(codeOfB), claims);
  assert.equal(await retired.verify(`${codeOfB.slice(0, -4)}AAAA`), undefined, 'a bad signature');
});
