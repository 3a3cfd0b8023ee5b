/** Users' own test support; the users service in-process (startUsers) is in @ticketing/testing. */
import type { TestUsers } from '@ticketing/testing';

let registered = 0;
/** Registers a buyer; returns its session (account, accessToken, refreshToken). */
export async function registerBuyer(users: TestUsers, overrides: Partial<{ email: string; password: string; displayName: string }> = {}) {
  registered += 1;
  const body = { email: `buyer-${registered}-${Date.now()}@example.test`, password: 'correct horse battery', displayName: `Buyer ${registered}`, ...overrides };
  const res = await users.call('POST', '/auth/register', { body });
  if (res.status !== 201) throw new Error(`register answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { ...res.body, password: body.password } as {
    account: { id: string; email: string; displayName: string };
    accessToken: string;
    refreshToken: string;
    password: string;
  };
}
