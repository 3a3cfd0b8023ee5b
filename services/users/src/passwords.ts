import { hash, verify, type Options } from '@node-rs/argon2';
import type { ServiceConfig } from '@ticketing/platform';

/** `Algorithm.Argon2id` of @node-rs/argon2 (a const enum, which isolated modules cannot import). */
const argon2id = 2;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * Whether `password` matches `stored`. Without a stored hash (an unknown
   * email) a dummy hash of the same cost is checked, so both cases take the
   * same time and an attacker cannot tell registered emails by the clock.
   */
  verify(stored: string | undefined, password: string): Promise<boolean>;
}

export async function createPasswordHasher(config: ServiceConfig): Promise<PasswordHasher> {
  const options: Options = {
    algorithm: argon2id,
    memoryCost: config.integer('PASSWORD_ARGON2_MEMORY_KIB'),
    timeCost: config.integer('PASSWORD_ARGON2_TIME_COST'),
    parallelism: config.integer('PASSWORD_ARGON2_PARALLELISM'),
  };
  const dummy = await hash('not-a-password-of-anyone', options);
  return {
    hash: (password) => hash(password, options),
    async verify(stored, password) {
      const matches = await verify(stored ?? dummy, password).catch(() => false);
      return stored !== undefined && matches;
    },
  };
}
