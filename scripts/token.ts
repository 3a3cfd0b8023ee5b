/**
 * Mints a bearer token for the local stack, signed with the users service's
 * development key that `npm start` generated in .local/dev/secrets.env:
 *   npm run -s token -- <buyer|partner|admin> [subject] [--org <organization id>] [--ttl 3600]
 * Prints only the token, so it can be captured: TOKEN=$(npm run -s token -- admin)
 * Accounts of your own come from the users service (POST /auth/register, /auth/login).
 */
import { parseArgs } from 'node:util';
import { roles, type Principal, type Role } from '@ticketing/platform/auth';
import { devToken } from './local-stack/dev-tokens.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { ttl: { type: 'string', default: '86400' }, org: { type: 'string' } },
});
const [role, subject] = positionals;
if (!role || !roles.includes(role as Role)) {
  process.stderr.write(`usage: npm run -s token -- <${roles.join('|')}> [subject] [--org id] [--ttl seconds]\n`);
  process.exit(2);
}
const ttlSeconds = Number(values.ttl);
if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
  process.stderr.write('--ttl must be a positive number of seconds\n');
  process.exit(2);
}
const sub = subject ?? `dev-${role}`;
const principal: Principal = role === 'partner' ? { sub, role, org: values.org ?? 'dev-organization' } : { sub, role: role as Role };
process.stdout.write(`${await devToken(principal, ttlSeconds)}\n`);
