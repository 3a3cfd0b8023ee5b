import { bookingsConsumer, bookingsTopic, bookingsTopicConsumerEnv } from '@ticketing/booking/service';
import { commonEnv, databaseEnv, kafkaEnv, authEnv, standardPaths, integerSetting, type ServiceDeclaration } from '@ticketing/platform/service-declaration';

/** The consumer group notifications reads the bookings topic with (its KafkaUser may read only this group). */
export const notificationsConsumerGroup = 'notifications';

const smtpSubmissionPort = 587;

/** Messages to buyers about their bookings: an inbox in the app, and email. */
export const notificationsService = {
  name: 'notifications',
  description: `Tells buyers about their bookings (confirmed with the PDF link, cancelled, refunded, hold about to expire) from ${bookingsTopic}: an in-app inbox and email.`,
  port: 8085,
  ...standardPaths,
  entry: 'services/notifications/src/main.ts',
  env: [
    ...commonEnv,
    ...databaseEnv,
    ...kafkaEnv,
    ...authEnv,
    bookingsTopicConsumerEnv,
    {
      name: 'PUBLIC_BASE_URL',
      description:
        "Where buyers reach the platform (the gateway, which serves the web UI): links in messages (a booking's page, the tickets PDF) start with it.",
      kind: 'url',
      default: 'http://127.0.0.1:8080',
    },
    integerSetting('HOLD_EXPIRY_NOTICE_SECONDS', 'How long before a hold expires its buyer is told so.', 60, 5, 3600),
    integerSetting('TIMER_INTERVAL_MS', 'How often due hold-expiry notices are looked for (in this service’s own timer table).', 1000, 100, 60000),
    {
      name: 'SMTP_HOST',
      description: 'SMTP server email is sent through. Empty: no email is sent (deliveries wait, the inbox still works).',
      kind: 'string',
      default: '',
    },
    integerSetting('SMTP_PORT', 'Port of the SMTP server (in-cluster, the NetworkPolicy lets only this port out).', smtpSubmissionPort, 1, 65535),
    {
      name: 'SMTP_SECURE',
      description: 'Connect with TLS from the start (port 465); otherwise STARTTLS is used when the server offers it.',
      kind: 'boolean',
      default: 'false',
    },
    {
      name: 'SMTP_REQUIRE_TLS',
      description:
        'Refuse to send unless the connection is encrypted (STARTTLS is required when SMTP_SECURE is false), so credentials and mail never cross in clear.',
      kind: 'boolean',
      default: 'false',
    },
    { name: 'SMTP_USERNAME', description: 'SMTP user; empty: no authentication.', kind: 'string', default: '', secret: true },
    { name: 'SMTP_PASSWORD', description: 'Password of SMTP_USERNAME.', kind: 'string', default: '', secret: true },
    { name: 'MAIL_FROM', description: 'Sender of every email.', kind: 'string', default: 'Ticketing <tickets@ticketing.dev>', minLength: 3 },
    integerSetting('SMTP_TIMEOUT_MS', 'Longest one SMTP conversation (connect, greeting, each reply) may take.', 10000, 100, 120000),
    integerSetting('MAIL_POLL_INTERVAL_MS', 'How often pending email deliveries are looked for.', 1000, 50, 60000),
    integerSetting('MAIL_MAX_ATTEMPTS', 'Attempts per email before it is recorded as undeliverable.', 8, 1, 100),
    integerSetting('MAIL_RETRY_INITIAL_MS', 'Wait before the second attempt; doubles with each attempt (with jitter).', 2000, 10, 3600000),
    integerSetting('MAIL_RETRY_MAX_MS', 'Longest wait between two attempts.', 600000, 10, 86400000),
  ],
  dependencies: {
    postgres: true,
    kafka: bookingsConsumer(notificationsConsumerGroup),
    // Fetches the users service's public signing keys (AUTH_JWKS_URL).
    services: ['users'],
    // The SMTP relay (SMTP_HOST) is outside the cluster, on the port SMTP_PORT has in each environment.
    external: [{ name: 'smtp', port: smtpSubmissionPort, portSetting: 'SMTP_PORT' }],
  },
  resources: {
    requests: { cpu: '100m', memory: '192Mi' },
    limits: { cpu: '500m', memory: '384Mi' },
  },
  scaling: {
    minReplicas: 2,
    maxReplicas: 6,
    targetCpuUtilizationPercent: 70,
    targetConsumerLagPerPod: 500,
  },
  shutdownGraceSeconds: 30,
} as const satisfies ServiceDeclaration;
