/**
 * Mints a bearer token for the local stack, signed with the secret `npm start`
 * generated in .local/dev/secrets.env:
 *   npm run -s token -- <buyer|organizer|admin> [subject] [--ttl 3600]
 * Prints only the token, so it can be captured: TOKEN=$(npm run -s token -- buyer alice)
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { roles, signToken, type Role } from '@ticketing/platform/auth';
import { localDir } from './local-stack/paths.js';
import { loadOrCreateSecrets } from './local-stack/secrets.js';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { ttl: { type: 'string', default: '86400' } } });
const [role, subject] = positionals;
if (!role || !roles.includes(role as Role)) {
  process.stderr.write(`usage: npm run -s token -- <${roles.join('|')}> [subject] [--ttl seconds]\n`);
  process.exit(2);
}
const ttlSeconds = Number(values.ttl);
if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
  process.stderr.write('--ttl must be a positive number of seconds\n');
  process.exit(2);
}
const secret = process.env.AUTH_TOKEN_SECRET ?? loadOrCreateSecrets(join(localDir, 'dev', 'secrets.env'), ['AUTH_TOKEN_SECRET']).values.AUTH_TOKEN_SECRET!;
process.stdout.write(`${signToken(secret, { sub: subject ?? `dev-${role}`, role: role as Role, ttlSeconds })}\n`);
