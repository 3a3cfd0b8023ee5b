/**
 * Prints a new Ed25519 signing key for USERS_SIGNING_KEYS or TICKETS_SIGNING_KEYS (a private JWK with
 * a fresh kid), for rotation (docs/auth.md):
 *   npm run -s signing-key               # one key, "active": false — publish it first
 *   npm run -s signing-key -- --set      # a whole key set with that key active (a new environment)
 */
import { parseArgs } from 'node:util';
import { generateSigningKey } from '@ticketing/users/signing-keys';

const { values } = parseArgs({ options: { set: { type: 'boolean', default: false } } });
const key = generateSigningKey(values.set);
process.stdout.write(`${JSON.stringify(values.set ? { keys: [key] } : key)}\n`);
