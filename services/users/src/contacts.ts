import type { Pool, Tx } from '@ticketing/platform';
import { isAccountId } from './accounts.js';

/**
 * What other services may read of an account, and nothing more: how to reach
 * and address its person (notifications, the name on a ticket). A deleted or
 * unknown account has no contact. The users service owns the table; this
 * module is the whole contract (test/contacts.test.ts runs it on its migrations).
 */
export interface Contact {
  email: string;
  displayName: string;
}

export async function findContact(db: Pool | Tx, accountId: string): Promise<Contact | undefined> {
  if (!isAccountId(accountId)) return undefined;
  const { rows } = await db.query<{ email: string; display_name: string }>(
    'SELECT email, display_name FROM users.accounts WHERE id = $1 AND deleted_at IS NULL',
    [accountId],
  );
  return rows[0] && { email: rows[0].email, displayName: rows[0].display_name };
}
