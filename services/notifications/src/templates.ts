import type { EventSummary } from '@ticketing/catalog/event-summary';

/** What a buyer is told about, one template each. */
export type NotificationKind = 'booking-confirmed' | 'booking-cancelled' | 'refund-issued' | 'hold-expiring';

export interface TemplateContext {
  name: string | undefined;
  event: EventSummary | undefined;
  reference?: string;
  amount?: { cents: number; currency: string };
  /** The API resource (the tickets PDF), for the inbox. */
  link?: string;
  /** The web page an email sends its reader to (the booking's page). */
  pageLink?: string;
  expiresAt?: Date;
}

export interface Rendered {
  subject: string;
  /** Plain text: the inbox shows it, and it is the text part of the email. */
  text: string;
}

const money = (amount: { cents: number; currency: string } | undefined) =>
  amount ? new Intl.NumberFormat('en-GB', { style: 'currency', currency: amount.currency }).format(amount.cents / 100) : 'the amount paid';

const when = (event: EventSummary) =>
  new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: event.venueTimezone }).format(event.startsAt);

const eventLine = (event: EventSummary | undefined) => (event ? `${event.title}, ${event.venueName} (${event.venueCity}), ${when(event)}` : 'your event');

const templates: Record<NotificationKind, (c: TemplateContext) => Rendered> = {
  'booking-confirmed': (c) => ({
    subject: `Your tickets for ${c.event?.title ?? 'your event'} (${c.reference})`,
    text: [
      `Booking ${c.reference} is confirmed: ${eventLine(c.event)}.`,
      `You paid ${money(c.amount)}.`,
      `Your tickets (PDF) are on your booking page: ${c.pageLink}`,
    ].join('\n'),
  }),
  'booking-cancelled': (c) => ({
    subject: `Booking ${c.reference} is cancelled`,
    text: [`Booking ${c.reference} for ${eventLine(c.event)} is cancelled and its tickets no longer admit.`, `${money(c.amount)} is refunded.`].join('\n'),
  }),
  'refund-issued': (c) => ({
    subject: `Refund of ${money(c.amount)}`,
    text: `${money(c.amount)} is refunded to you for ${eventLine(c.event)}: the seats were no longer available or the event was cancelled.`,
  }),
  'hold-expiring': (c) => ({
    subject: `Your seats for ${c.event?.title ?? 'your event'} are held for one more minute`,
    text: `Your hold for ${eventLine(c.event)} expires at ${c.expiresAt?.toISOString()}. Pay before then to keep the seats.`,
  }),
};

/** The message of `kind`, addressed to its buyer by name when known. */
export function render(kind: NotificationKind, context: TemplateContext): Rendered {
  const { subject, text } = templates[kind](context);
  return { subject, text: `${context.name ? `Hello ${context.name},` : 'Hello,'}\n\n${text}\n` };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The HTML part of an email: the same text, escaped, with a button to the page it is about. */
export function htmlOf(text: string, pageLink: string | null): string {
  const paragraphs = text
    .trim()
    .split('\n')
    .map((line) => `<p>${escapeHtml(line)}</p>`);
  return `<!doctype html><html><body>${paragraphs.join('')}${pageLink ? `<p><a href="${escapeHtml(pageLink)}">Get your tickets</a></p>` : ''}</body></html>`;
}
