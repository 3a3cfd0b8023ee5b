import { fileURLToPath } from 'node:url';
import { inputOf, principalOf, problems, requireRole, tokenVerifierFrom, type ServiceDefinition } from '@ticketing/platform';
import { readBookingMessage } from '@ticketing/booking/message-reader';
import { Counter } from 'prom-client';
import { createTransport, sendDueEmails, type EmailSettings } from './email.js';
import { applyBookingMessage } from './handling.js';
import { inboxOf, markRead } from './inbox.js';
import { notificationsOpenApi } from './openapi.js';
import { notificationsConsumerGroup, notificationsService } from './service.js';
import { fireDueTimers, startLoop } from './timers.js';

/** The schema this service owns; no other service reads it. */
export const NOTIFICATIONS_SCHEMA = 'notifications';

export const notificationsDefinition: ServiceDefinition = {
  declaration: notificationsService,
  openApi: notificationsOpenApi,
  database: { schema: NOTIFICATIONS_SCHEMA, migrations: fileURLToPath(new URL('../migrations', import.meta.url)) },
  async setup(ctx) {
    const { api, config, logger } = ctx;
    const pool = ctx.requirePool();
    const signedIn = requireRole(tokenVerifierFrom(config), 'buyer', 'partner', 'staff', 'admin');
    const settings = { publicBaseUrl: config.string('PUBLIC_BASE_URL'), holdExpiryNoticeSeconds: config.integer('HOLD_EXPIRY_NOTICE_SECONDS') };

    await ctx.consume({
      topic: config.string('KAFKA_TOPIC_BOOKINGS'),
      group: notificationsConsumerGroup,
      handle: (message, _partition, tx) => applyBookingMessage(tx, readBookingMessage(message.value), settings),
    });
    ctx.onShutdown(startLoop('hold expiry notices', config.integer('TIMER_INTERVAL_MS'), () => fireDueTimers(pool), logger));

    const email: EmailSettings = {
      host: config.string('SMTP_HOST'),
      port: config.integer('SMTP_PORT'),
      secure: config.boolean('SMTP_SECURE'),
      requireTls: config.boolean('SMTP_REQUIRE_TLS'),
      username: config.string('SMTP_USERNAME'),
      password: config.string('SMTP_PASSWORD'),
      from: config.string('MAIL_FROM'),
      timeoutMs: config.integer('SMTP_TIMEOUT_MS'),
      maxAttempts: config.integer('MAIL_MAX_ATTEMPTS'),
      retry: { initialMs: config.integer('MAIL_RETRY_INITIAL_MS'), maxMs: config.integer('MAIL_RETRY_MAX_MS') },
    };
    const emails = new Counter({
      name: 'notifications_emails_total',
      help: 'Email delivery attempts, by outcome (sent, retried, undeliverable).',
      labelNames: ['outcome'] as const,
      registers: [ctx.metrics.registry],
    });
    for (const outcome of ['sent', 'retried', 'undeliverable']) emails.inc({ outcome }, 0);
    if (email.host) {
      const transport = createTransport(email);
      ctx.onShutdown(() => transport.close());
      ctx.onShutdown(startLoop('email delivery', config.integer('MAIL_POLL_INTERVAL_MS'), () => sendDueEmails(pool, transport, email, logger, emails), logger));
    } else {
      logger.warn('SMTP_HOST is empty: no email is sent; deliveries wait until it is set');
    }

    api.operation('get', '/me/notifications', signedIn, async (req, res) => {
      const { limit, before } = inputOf(req).query as { limit: number; before?: string };
      const items = await inboxOf(pool, principalOf(req).sub, limit, before);
      res.json({ items, next: items.length === limit ? items.at(-1)!.id : null });
    });

    api.operation('post', '/me/notifications/{notificationId}/read', signedIn, async (req, res) => {
      const { notificationId } = inputOf(req).params as { notificationId: string };
      if (!(await markRead(pool, principalOf(req).sub, notificationId))) throw problems.notFound(`notification ${notificationId}`);
      res.status(204).end();
    });
  },
};
