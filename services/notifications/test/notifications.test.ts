import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { RunningService } from '@ticketing/platform';
import { bookingMessage, http, startAfterPurchaseHarness, startSmtp, testToken, waitUntil, type AfterPurchaseHarness, type TestSmtp } from '@ticketing/testing';
import { notificationsDefinition } from '../src/app.js';
import { createTransport } from '../src/email.js';

let harness: AfterPurchaseHarness;
let smtp: TestSmtp;
let notifications: RunningService;
let anaId: string;

before(async () => {
  harness = await startAfterPurchaseHarness();
  smtp = await startSmtp();
  anaId = await harness.addAccount('ana@example.test', 'Ana Lima');
  notifications = await harness.start(notificationsDefinition, {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    SMTP_TIMEOUT_MS: '2000',
    MAIL_POLL_INTERVAL_MS: '100',
    MAIL_RETRY_INITIAL_MS: '200',
    MAIL_RETRY_MAX_MS: '400',
    TIMER_INTERVAL_MS: '200',
    PUBLIC_BASE_URL: 'https://tickets.example',
  });
});
after(async () => {
  await harness?.close();
  await smtp?.stop();
});

const inbox = async (recipientId: string) => (await http(notifications.url, 'GET', '/me/notifications', { token: testToken(recipientId, 'buyer') })).body.items;
const delivery = async (about: string) =>
  (
    await harness.pool.query(`SELECT d.* FROM notifications.deliveries d JOIN notifications.notifications n ON n.id = d.notification_id WHERE n.about = $1`, [
      about,
    ])
  ).rows[0];
const mailsMentioning = (text: string) => smtp.received.filter((mail) => mail.raw.includes(text));
const booking = (buyerId: string) => ({
  bookingId: randomUUID(),
  bookingReference: `BK-${randomUUID().slice(0, 4)}-${randomUUID().slice(0, 4)}`.toUpperCase(),
  holdId: randomUUID(),
  paymentId: randomUUID(),
  buyerId,
  seatIds: [],
  generalAdmission: { sectionId: harness.event.gaSectionId, quantity: 2 },
  amount: { cents: 5000, currency: 'EUR' },
});

describe('booking messages become one inbox entry and one email', () => {
  test(
    'a confirmed booking delivered three times: one email to the buyer with the reference and the link to its booking page, one inbox entry',
    { timeout: 30_000 },
    async () => {
      const data = booking(anaId);
      const message = bookingMessage('booking.confirmed', harness.event.eventId, data);
      await harness.publish([message, message]);
      await waitUntil('the email', async () => mailsMentioning(data.bookingReference).length > 0);
      await harness.publish([message]);
      await waitUntil('the third copy to be skipped', async () => {
        const { rows } = await harness.pool.query(`SELECT 1 FROM notifications.consumed_messages WHERE message_id = $1`, [message.id]);
        const text = await (await fetch(`${notifications.url}/metrics`)).text();
        return rows.length === 1 && /kafka_consumer_messages_total\{[^}]*outcome="duplicate"[^}]*\} 2/.test(text);
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const mails = mailsMentioning(data.bookingReference);
      assert.equal(mails.length, 1, 'exactly one email');
      assert.deepEqual(mails[0]!.to, ['ana@example.test']);
      assert.match(mails[0]!.raw, /^To: ana@example\.test/m);
      assert.match(mails[0]!.raw, /Hello Ana Lima/);
      // A mail client has no bearer token: the email sends its reader to the booking's page in the web UI, which downloads the PDF after log-in.
      const page = `https://tickets.example/bookings/${data.bookingReference}`;
      assert.ok(mails[0]!.raw.includes(`Your tickets (PDF) are on your booking page: ${page}`), 'the text part names the page');
      assert.ok(mails[0]!.raw.replaceAll('=3D', '=').includes(`<a href="${page}">Get your tickets</a>`), 'the HTML part (quoted-printable) links to it');
      assert.ok(!mails[0]!.raw.includes('/api/tickets/'), 'no link that needs a bearer token');
      assert.match(mails[0]!.raw, /Test Night/, 'names the event');
      const entries = (await inbox(anaId)).filter((n: { subject: string }) => n.subject.includes(data.bookingReference));
      assert.equal(entries.length, 1, 'exactly one inbox entry');
      assert.equal(entries[0].kind, 'booking-confirmed');
      assert.equal(entries[0].link, `https://tickets.example/api/tickets/bookings/${data.bookingId}/tickets.pdf`);
      assert.deepEqual(await inbox(randomUUID()), [], "nobody else's inbox has it");
    },
  );

  test('SMTP down, then up: the email is retried with backoff and delivered once', { timeout: 30_000 }, async () => {
    await smtp.stop();
    const data = booking(anaId);
    await harness.publish([bookingMessage('booking.cancelled', harness.event.eventId, { ...data, reason: 'cancelled_by_buyer' })]);
    const failing = await waitUntil('two failed attempts', async () => {
      const row = await delivery(`booking-cancelled:${data.bookingId}`);
      return row?.attempts >= 2 && row;
    });
    assert.equal(failing.status, 'pending');
    assert.match(failing.last_error, /ECONNREFUSED|connect/i);
    await smtp.start();
    await waitUntil('the email after the server is back', async () => mailsMentioning(data.bookingReference).length > 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(mailsMentioning(data.bookingReference).length, 1);
    assert.equal((await delivery(`booking-cancelled:${data.bookingId}`)).status, 'sent');
  });

  test('a mailbox the server refuses is recorded undeliverable after one attempt, not retried; the inbox still has it', { timeout: 30_000 }, async () => {
    smtp.unknownMailboxes.add('gone@example.test');
    const goneId = await harness.addAccount('gone@example.test', 'Gone');
    const paymentId = randomUUID();
    await harness.publish([
      bookingMessage('payment.refunded', harness.event.eventId, {
        paymentId,
        holdId: randomUUID(),
        buyerId: goneId,
        amount: { cents: 1200, currency: 'EUR' },
        reason: 'seats_no_longer_available',
      }),
    ]);
    const row = await waitUntil('the refusal to be recorded', async () => {
      const found = await delivery(`refund-issued:${paymentId}`);
      return found?.status === 'undeliverable' && found;
    });
    assert.equal(row.attempts, 1);
    assert.match(row.last_error, /550/);
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal((await delivery(`refund-issued:${paymentId}`)).attempts, 1, 'never tried again');
    assert.equal((await inbox(goneId))[0]?.kind, 'refund-issued');
  });
});

test('SMTP_REQUIRE_TLS: a server that offers no STARTTLS gets nothing, neither credentials nor mail', { timeout: 30_000 }, async () => {
  const settings = { host: '127.0.0.1', port: smtp.port, secure: false, username: '', password: '', from: 'x@example.test', timeoutMs: 2000 };
  const mail = { from: settings.from, to: 'tls@example.test', subject: 'tls', text: 'tls' };
  const strict = createTransport({ ...settings, requireTls: true, maxAttempts: 1, retry: { initialMs: 10, maxMs: 10 } });
  await assert.rejects(strict.sendMail(mail), /STARTTLS|TLS/i);
  strict.close();
  assert.equal(smtp.received.filter((m) => m.to.includes('tls@example.test')).length, 0);
  const lenient = createTransport({ ...settings, requireTls: false, maxAttempts: 1, retry: { initialMs: 10, maxMs: 10 } });
  await lenient.sendMail(mail);
  lenient.close();
  assert.equal(smtp.received.filter((m) => m.to.includes('tls@example.test')).length, 1, 'the same server takes it when TLS is not required');
});

describe('"your hold expires in one minute"', () => {
  const hold = (holdId: string, buyerId: string, expiresAt: Date) =>
    bookingMessage('hold.created', harness.event.eventId, {
      holdId,
      buyerId,
      seatIds: [],
      generalAdmission: { sectionId: harness.event.gaSectionId, quantity: 1 },
      amount: { cents: 2500, currency: 'EUR' },
      expiresAt: expiresAt.toISOString(),
    });

  test('is told once a minute before the expiry the hold messages carry, unless the hold was booked first', { timeout: 30_000 }, async () => {
    const buyerA = await harness.addAccount('hold-a@example.test', 'A');
    const buyerB = await harness.addAccount('hold-b@example.test', 'B');
    const expiresAt = new Date(Date.now() + 61_500);
    const booked = booking(buyerB);
    await harness.publish([
      hold(randomUUID(), buyerA, expiresAt),
      hold(booked.holdId, buyerB, expiresAt),
      bookingMessage('booking.confirmed', harness.event.eventId, booked),
    ]);
    const [notice] = await waitUntil('the notice', async () => {
      const items = (await inbox(buyerA)).filter((n: { kind: string }) => n.kind === 'hold-expiring');
      return items.length > 0 && items;
    });
    assert.ok(Date.now() >= expiresAt.getTime() - 60_000, 'not before one minute before the expiry');
    assert.match(notice.body, new RegExp(expiresAt.toISOString().replace(/[.]/g, '\\.')));
    await waitUntil('the email of the notice', async () => smtp.received.some((m) => m.to.includes('hold-a@example.test')));
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.deepEqual(
      (await inbox(buyerB)).map((n: { kind: string }) => n.kind),
      ['booking-confirmed'],
      'the booked hold gets no notice',
    );
    assert.equal((await inbox(buyerA)).length, 1, 'told once');
  });
});
