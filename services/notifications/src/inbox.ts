import type { Pool, Tx } from '@ticketing/platform';
import { findContact } from '@ticketing/users/contacts';
import { findEventSummary } from '@ticketing/catalog/event-summary';
import { render, type NotificationKind, type TemplateContext } from './templates.js';

/**
 * Records one notification for a buyer, inside the caller's transaction: the
 * inbox entry, and an email delivery to the account's address (or, without
 * one, an undeliverable delivery saying so). `about` names the booking event
 * (e.g. `booking-confirmed:<booking id>`): a second call about the same
 * thing records nothing.
 */
export async function notify(
  tx: Tx,
  input: { recipientId: string; kind: NotificationKind; about: string; eventId: string; context: Omit<TemplateContext, 'name' | 'event'> },
): Promise<boolean> {
  const contact = await findContact(tx, input.recipientId);
  const event = await findEventSummary(tx, input.eventId);
  const message = render(input.kind, { ...input.context, name: contact?.displayName, event });
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO notifications.notifications (recipient_id, kind, about, subject, body, link, page_link) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (about) DO NOTHING RETURNING id`,
    [input.recipientId, input.kind, input.about, message.subject, message.text, input.context.link ?? null, input.context.pageLink ?? null],
  );
  const id = rows[0]?.id;
  if (!id) return false;
  await tx.query(
    `INSERT INTO notifications.deliveries (notification_id, channel, address, status, last_error) VALUES ($1, 'email', $2, $3, $4)`,
    contact ? [id, contact.email, 'pending', null] : [id, null, 'undeliverable', 'the account has no email address (deleted or unknown)'],
  );
  return true;
}

export interface InboxEntry {
  id: string;
  kind: NotificationKind;
  subject: string;
  body: string;
  link: string | null;
  createdAt: string;
  readAt: string | null;
}

/** A buyer's inbox, newest first, `limit` entries older than the entry `before`. */
export async function inboxOf(pool: Pool, recipientId: string, limit: number, before?: string): Promise<InboxEntry[]> {
  const { rows } = await pool.query<{
    id: string;
    kind: NotificationKind;
    subject: string;
    body: string;
    link: string | null;
    created_at: Date;
    read_at: Date | null;
  }>(
    `SELECT id, kind, subject, body, link, created_at, read_at FROM notifications.notifications n
      WHERE recipient_id = $1
        AND ($2::uuid IS NULL OR (created_at, id) < (SELECT created_at, id FROM notifications.notifications WHERE id = $2 AND recipient_id = $1))
      ORDER BY created_at DESC, id DESC LIMIT $3`,
    [recipientId, before ?? null, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    subject: r.subject,
    body: r.body,
    link: r.link,
    createdAt: r.created_at.toISOString(),
    readAt: r.read_at?.toISOString() ?? null,
  }));
}

/** Marks one of the buyer's entries read; false when it is not theirs. */
export async function markRead(pool: Pool, recipientId: string, id: string): Promise<boolean> {
  const { rowCount } = await pool.query('UPDATE notifications.notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND recipient_id = $2', [
    id,
    recipientId,
  ]);
  return rowCount === 1;
}
