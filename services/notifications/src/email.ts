import nodemailer, { type Transporter } from 'nodemailer';
import { backoffDelayMs, type Logger, type Pool } from '@ticketing/platform';
import type { Counter } from 'prom-client';
import { htmlOf } from './templates.js';

export interface EmailSettings {
  host: string;
  port: number;
  secure: boolean;
  requireTls: boolean;
  username: string;
  password: string;
  from: string;
  timeoutMs: number;
  maxAttempts: number;
  retry: { initialMs: number; maxMs: number };
}

interface ClaimedDelivery {
  notification_id: string;
  address: string;
  attempts: number;
  subject: string;
  body: string;
  page_link: string | null;
}

/**
 * An SMTP answer that will not change by trying again: a 5xx reply (unknown
 * mailbox, rejected address, message refused). Connection failures, timeouts
 * and 4xx replies are temporary and retried.
 */
export function isPermanentFailure(error: unknown): boolean {
  const code = (error as { responseCode?: number }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

export function createTransport(settings: EmailSettings): Transporter {
  return nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    requireTLS: settings.requireTls,
    ...(settings.username ? { auth: { user: settings.username, pass: settings.password } } : {}),
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
  });
}

/**
 * Sends the email deliveries that are due, a few at a time. Each is claimed
 * first (its next attempt pushed past this one, attempts counted), then sent
 * outside any transaction, then recorded: sent; undeliverable on a permanent
 * failure or after the last attempt; otherwise due again after an
 * exponential backoff with jitter. The Message-ID is the notification's, so
 * a resend after a crash between sending and recording is recognisable.
 */
export async function sendDueEmails(
  pool: Pool,
  transport: Transporter,
  settings: EmailSettings,
  logger: Logger,
  counter: Counter<'outcome'>,
  batch = 10,
): Promise<number> {
  const claimFor = Math.ceil((settings.timeoutMs * 4) / 1000);
  const { rows } = await pool.query<ClaimedDelivery>(
    `WITH due AS (
       SELECT notification_id FROM notifications.deliveries
        WHERE channel = 'email' AND status = 'pending' AND next_attempt_at <= now()
        ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     UPDATE notifications.deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
       FROM due, notifications.notifications n
      WHERE d.notification_id = due.notification_id AND d.channel = 'email' AND n.id = d.notification_id
     RETURNING d.notification_id, d.address, d.attempts, n.subject, n.body, n.page_link`,
    [batch, claimFor],
  );
  for (const delivery of rows) {
    try {
      await transport.sendMail({
        from: settings.from,
        to: delivery.address,
        subject: delivery.subject,
        text: delivery.body,
        html: htmlOf(delivery.body, delivery.page_link),
        messageId: `<${delivery.notification_id}@notifications.ticketing>`,
      });
      await pool.query(
        `UPDATE notifications.deliveries SET status = 'sent', sent_at = now(), last_error = NULL WHERE notification_id = $1 AND channel = 'email'`,
        [delivery.notification_id],
      );
      counter.inc({ outcome: 'sent' });
    } catch (error) {
      const reason = String((error as Error).message ?? error).slice(0, 1000);
      const giveUp = isPermanentFailure(error) || delivery.attempts >= settings.maxAttempts;
      const retryInMs = backoffDelayMs(delivery.attempts, settings.retry);
      await pool.query(
        `UPDATE notifications.deliveries SET last_error = $2, status = CASE WHEN $3 THEN 'undeliverable' ELSE 'pending' END,
                next_attempt_at = now() + make_interval(secs => $4) WHERE notification_id = $1 AND channel = 'email'`,
        [delivery.notification_id, reason, giveUp, retryInMs / 1000],
      );
      counter.inc({ outcome: giveUp ? 'undeliverable' : 'retried' });
      logger.warn(giveUp ? 'email undeliverable' : 'email failed; will retry', {
        notificationId: delivery.notification_id,
        attempts: delivery.attempts,
        error: reason,
      });
    }
  }
  return rows.length;
}
