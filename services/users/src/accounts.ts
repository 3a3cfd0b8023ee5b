import { createHash, randomBytes } from 'node:crypto';
import { organizationRoles, type Principal, type Role } from '@ticketing/platform/auth';
import type { Pool, Tx } from '@ticketing/platform';

export interface AccountRow {
  id: string;
  email: string | null;
  password_hash: string | null;
  display_name: string | null;
  role: Role;
  organization_id: string | null;
  created_at: Date;
  deleted_at: Date | null;
}

export interface AccountView {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  organizationId: string | null;
  createdAt: string;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Token subjects minted by tooling (`npm run token`) are not account ids; they own no account. */
export const isAccountId = (id: string): boolean => uuidPattern.test(id);

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export function viewAccount(row: AccountRow): AccountView {
  return {
    id: row.id,
    email: row.email!,
    displayName: row.display_name!,
    role: row.role,
    organizationId: row.organization_id,
    createdAt: row.created_at.toISOString(),
  };
}

export function principalOfAccount(row: AccountRow): Principal {
  return organizationRoles.includes(row.role) ? { sub: row.id, role: row.role, org: row.organization_id! } : { sub: row.id, role: row.role };
}

export async function findLiveAccount(db: Pool | Tx, by: { email: string } | { id: string }): Promise<AccountRow | undefined> {
  const [column, value] = 'email' in by ? ['email', normalizeEmail(by.email)] : ['id', by.id];
  if (column === 'id' && !isAccountId(value)) return undefined;
  const { rows } = await db.query<AccountRow>(`SELECT * FROM users.accounts WHERE ${column} = $1 AND deleted_at IS NULL`, [value]);
  return rows[0];
}

/** Inserts an account; undefined when the email is taken. */
export async function insertAccount(
  db: Pool | Tx,
  account: { email: string; passwordHash: string; displayName: string; role: Role; organizationId?: string },
): Promise<AccountRow | undefined> {
  const { rows } = await db.query<AccountRow>(
    `INSERT INTO users.accounts (email, password_hash, display_name, role, organization_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (email) DO NOTHING RETURNING *`,
    [normalizeEmail(account.email), account.passwordHash, account.displayName, account.role, account.organizationId ?? null],
  );
  return rows[0];
}

export async function updateDisplayName(db: Pool | Tx, id: string, displayName: string): Promise<AccountRow | undefined> {
  if (!isAccountId(id)) return undefined;
  const { rows } = await db.query<AccountRow>(
    'UPDATE users.accounts SET display_name = $2, updated_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING *',
    [id, displayName],
  );
  return rows[0];
}

/**
 * Deletes the person, not the id: email, name and password go, the id stays
 * (bookings carry it as their opaque buyer) and every refresh token is revoked.
 */
export async function anonymiseAccount(tx: Tx, id: string): Promise<boolean> {
  if (!isAccountId(id)) return false;
  const { rowCount } = await tx.query(
    `UPDATE users.accounts SET email = NULL, password_hash = NULL, display_name = NULL, deleted_at = now(), updated_at = now()
      WHERE id = $1 AND deleted_at IS NULL`,
    [id],
  );
  await tx.query('UPDATE users.refresh_tokens SET revoked_at = now() WHERE account_id = $1 AND revoked_at IS NULL', [id]);
  return rowCount === 1;
}

export async function insertOrganization(db: Pool | Tx, name: string): Promise<{ id: string; name: string; createdAt: string }> {
  const { rows } = await db.query<{ id: string; name: string; created_at: Date }>('INSERT INTO users.organizations (name) VALUES ($1) RETURNING *', [name]);
  return { id: rows[0]!.id, name: rows[0]!.name, createdAt: rows[0]!.created_at.toISOString() };
}

export async function organizationExists(db: Pool | Tx, id: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM users.organizations WHERE id = $1', [id])).rowCount === 1;
}

// ---- refresh tokens ----

const hashOf = (token: string): Buffer => createHash('sha256').update(token).digest();

/** A new opaque refresh token, stored as its sha256; `familyId` continues a rotation chain. */
export async function issueRefreshToken(db: Pool | Tx, accountId: string, ttlDays: number, familyId?: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.query(
    `INSERT INTO users.refresh_tokens (token_hash, family_id, account_id, expires_at)
     VALUES ($1, coalesce($2::uuid, gen_random_uuid()), $3, now() + make_interval(days => $4))`,
    [hashOf(token), familyId ?? null, accountId, ttlDays],
  );
  return token;
}

export type RefreshOutcome = { kind: 'rotated'; account: AccountRow; token: string } | { kind: 'refused'; reuse: boolean };

/**
 * Spends a refresh token: a live one is replaced by a new token of its family;
 * one that was already replaced was stolen or replayed, so its whole family
 * (the thief's and the owner's tokens alike) is revoked.
 */
export async function rotateRefreshToken(tx: Tx, token: string, ttlDays: number): Promise<RefreshOutcome> {
  const { rows } = await tx.query<{ family_id: string; account_id: string; expired: boolean; replaced_at: Date | null; revoked_at: Date | null }>(
    'SELECT family_id, account_id, expires_at <= now() AS expired, replaced_at, revoked_at FROM users.refresh_tokens WHERE token_hash = $1 FOR UPDATE',
    [hashOf(token)],
  );
  const row = rows[0];
  if (!row || row.revoked_at || row.expired) return { kind: 'refused', reuse: false };
  if (row.replaced_at) {
    await revokeFamily(tx, row.family_id);
    return { kind: 'refused', reuse: true };
  }
  const account = await findLiveAccount(tx, { id: row.account_id });
  if (!account) return { kind: 'refused', reuse: false };
  await tx.query('UPDATE users.refresh_tokens SET replaced_at = now() WHERE token_hash = $1', [hashOf(token)]);
  return { kind: 'rotated', account, token: await issueRefreshToken(tx, account.id, ttlDays, row.family_id) };
}

async function revokeFamily(db: Pool | Tx, familyId: string): Promise<void> {
  await db.query('UPDATE users.refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [familyId]);
}

/** Log-out: the token's family ends. Unknown tokens are ignored (log-out is idempotent). */
export async function revokeRefreshToken(db: Pool | Tx, token: string): Promise<void> {
  await db.query(
    'UPDATE users.refresh_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND family_id = (SELECT family_id FROM users.refresh_tokens WHERE token_hash = $1)',
    [hashOf(token)],
  );
}
