import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Field } from '../components/form.js';
import { LoadedPage } from '../components/loaded-page.js';
import { Notice } from '../components/notice.js';
import { Page } from '../components/page.js';
import { formatDateTime, formatMoney, wallTimeToInstant } from '../format.js';
import { endedStatuses, statusNames } from '../event-status.js';
import { useSession } from '../session.js';
import type { CatalogChange, CatalogEvent, EventStatus, PartnerVenue } from '../types.js';
import { useAction } from '../use-action.js';
import { useLoad } from '../use-load.js';

interface Managed {
  event: CatalogEvent;
  changes: CatalogChange[];
  categories: string[];
}

/** The status moves the API allows from each status (docs/catalog.md, "Lifecycle"); cancelling and scheduling have their own forms. */
const moves: Record<EventStatus, { to: EventStatus; label: string }[]> = {
  draft: [{ to: 'on_sale', label: 'Put on sale now' }],
  scheduled: [
    { to: 'on_sale', label: 'Put on sale now' },
    { to: 'draft', label: 'Back to draft' },
  ],
  on_sale: [
    { to: 'paused', label: 'Pause sales' },
    { to: 'sales_closed', label: 'Close sales' },
  ],
  paused: [
    { to: 'on_sale', label: 'Resume sales' },
    { to: 'sales_closed', label: 'Close sales' },
  ],
  sales_closed: [],
  happened: [],
  cancelled: [],
};
const schedulable: readonly EventStatus[] = ['draft', 'scheduled'];

/** An organizer's event: its status and lifecycle actions, its prices, and its change history. */
export default function EventManage({ eventId }: { eventId: string }) {
  const [loaded, reload] = useLoad(
    async (signal): Promise<Managed> => {
      const [event, changes] = await Promise.all([
        api<CatalogEvent>(`/catalog/events/${eventId}`, { signal }),
        api<{ items: CatalogChange[] }>(`/catalog/events/${eventId}/changes?limit=500`, { signal }),
      ]);
      const venue = await api<PartnerVenue>(`/catalog/partner/venues/${event.venue.id}`, { signal });
      return { event, changes: changes.items, categories: venue.categories };
    },
    [eventId],
  );
  return (
    <LoadedPage
      loaded={loaded}
      title="Manage event"
      what="the event"
      notFound="There is no such event among yours."
      back={{ href: '/organizer', label: 'Back to my events' }}
    >
      {(managed) => <Manage {...managed} reload={reload} />}
    </LoadedPage>
  );
}

function Manage({ event, changes, categories, reload }: Managed & { reload: () => void }) {
  const { busy, outcome, run } = useAction();
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const zone = event.venue.timezone;

  /** Sends one change; on success reloads the event and its history. */
  const change = async (path: string, method: 'PATCH' | 'PUT', body: unknown, done: string) => {
    if (await run(() => api(`/catalog${path}`, { method, body, idempotent: true }), done)) {
      setConfirmingCancel(false);
      reload();
    }
  };
  const moveTo = (status: EventStatus, done: string, extra: Record<string, string> = {}) => change(`/events/${event.id}`, 'PATCH', { status, ...extra }, done);

  const schedule = (e: Event) => {
    e.preventDefault();
    const local = String(new FormData(e.currentTarget as HTMLFormElement).get('salesOpenAt') ?? '');
    const salesOpenAt = wallTimeToInstant(local, zone);
    void moveTo('scheduled', `Sales open on ${formatDateTime(salesOpenAt, zone)}.`, { salesOpenAt });
  };
  const reprice = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const category = String(form.get('category') ?? '');
    const priceCents = Math.round(Number(form.get('price') ?? '0') * 100);
    void change(
      `/events/${event.id}/price-tiers/${encodeURIComponent(category)}`,
      'PUT',
      { priceCents, currency: currency },
      `${category} now costs ${formatMoney(priceCents, currency)} for new bookings; existing bookings keep their price.`,
    );
  };
  const currency = event.priceTiers[0]?.currency ?? 'EUR';

  return (
    <Page title={event.title} wide>
      <p>
        <a href="/organizer">Back to my events</a> · <a href={`/events/${event.id}`}>Public page</a>
      </p>
      <dl class="booking-summary">
        <dt>Status</dt>
        <dd data-testid="event-status">
          <strong>{statusNames[event.status]}</strong>
          {event.status === 'scheduled' && event.salesOpenAt && <> (sales open {formatDateTime(event.salesOpenAt, zone)})</>}
        </dd>
        <dt>Venue</dt>
        <dd>
          {event.venue.name}, {event.venue.city} (<a href={`/organizer/venues/${event.venue.id}`}>seats and sections</a>)
        </dd>
        <dt>Starts</dt>
        <dd>
          <time dateTime={event.startsAt}>{formatDateTime(event.startsAt, zone)}</time>
        </dd>
      </dl>
      <div aria-live="polite">{outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}</div>

      <h2>Sales</h2>
      {endedStatuses.includes(event.status) ? (
        <p>This event is {statusNames[event.status].toLowerCase()}: nothing about it can change any more.</p>
      ) : (
        <>
          <p class="actions">
            {moves[event.status].map((move) => (
              <button
                key={move.to}
                type="button"
                disabled={busy}
                onClick={() => void moveTo(move.to, `The event is now ${statusNames[move.to].toLowerCase()}.`)}
              >
                {move.label}
              </button>
            ))}
            {!confirmingCancel && (
              <button type="button" class="danger" disabled={busy} onClick={() => setConfirmingCancel(true)}>
                Cancel event…
              </button>
            )}
          </p>
          {schedulable.includes(event.status) && (
            <form class="narrow-form" onSubmit={schedule}>
              <Field id="salesOpenAt" label="Open sales at" type="datetime-local" required hint={`Local time at the venue (${zone}); it must lie ahead.`} />
              <button type="submit" class="secondary" disabled={busy}>
                Schedule sales
              </button>
            </form>
          )}
          {confirmingCancel && (
            <div class="confirm" role="group" aria-labelledby="cancel-question">
              <p id="cancel-question">
                <strong>Cancel “{event.title}”?</strong> Every booking is refunded and its buyer is notified; nothing about the event can change afterwards.
              </p>
              <p class="actions">
                <button
                  type="button"
                  class="danger"
                  disabled={busy}
                  onClick={() => void moveTo('cancelled', 'The event is cancelled: its bookings are being refunded and buyers notified.')}
                >
                  Yes, cancel the event
                </button>
                <button type="button" class="secondary" disabled={busy} onClick={() => setConfirmingCancel(false)}>
                  Keep the event
                </button>
              </p>
            </div>
          )}
        </>
      )}

      <h2>Prices</h2>
      <ul class="price-tiers">
        {event.priceTiers.map((tier) => (
          <li key={tier.category}>
            {tier.category}: <span class="price">{formatMoney(tier.priceCents, tier.currency)}</span>
          </li>
        ))}
      </ul>
      {!endedStatuses.includes(event.status) && (
        <form class="tier-form" onSubmit={reprice}>
          <div class="field">
            <label for="tier-category">Category</label>
            <select id="tier-category" name="category">
              {categories.map((category) => (
                <option key={category} value={category}>
                  {category}
                  {event.priceTiers.some((t) => t.category === category) ? '' : ' (not priced yet)'}
                </option>
              ))}
            </select>
          </div>
          <Field id="price" label={`New price (${currency})`} type="number" min={0} step="0.01" required />
          <button type="submit" disabled={busy}>
            Save price
          </button>
        </form>
      )}

      <h2>Change history</h2>
      <ChangeHistory changes={changes} zone={zone} />
    </Page>
  );
}

function ChangeHistory({ changes, zone }: { changes: CatalogChange[]; zone: string }) {
  const session = useSession();
  const who = (actor: string) => (actor === 'system' ? 'Automatic (the sales clock)' : actor === session?.account.id ? 'You' : `Account ${actor.slice(0, 8)}`);
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label="Change history">
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
          </tr>
        </thead>
        <tbody>
          {[...changes].reverse().map((c) => (
            <tr key={c.id}>
              <td>
                <time dateTime={c.occurredAt}>{formatDateTime(c.occurredAt, zone)}</time>
              </td>
              <td>{who(c.actor)}</td>
              <td>{describeChange(c)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const statusWord = (status: unknown) => statusNames[status as EventStatus]?.toLowerCase() ?? String(status);
const money = (cents: unknown, currency: unknown) => formatMoney(Number(cents), String(currency));

/** One audit entry as a sentence (docs/events.md lists each type's data). */
function describeChange({ type, data }: CatalogChange): string {
  switch (type) {
    case 'event.created':
      return 'Created';
    case 'event.status_changed':
      return `Status: ${statusWord(data['from'])} → ${statusWord(data['to'])}`;
    case 'event.tier_repriced':
      return `Price of ${String(data['category'])}: ${money(data['previousPriceCents'], data['currency'])} → ${money(data['priceCents'], data['currency'])}`;
    case 'event.tier_added':
      return `Price tier added: ${String(data['category'])} at ${money(data['priceCents'], data['currency'])}`;
    case 'event.time_changed':
      return `Time moved: ${formatDateTime(String(data['previousStartsAt']))} → ${formatDateTime(String(data['startsAt']))}`;
    case 'event.updated':
      return `Changed ${Object.keys((data['fields'] as object | undefined) ?? {}).join(', ')}`;
    case 'events.imported':
      return 'Imported from a file';
    default:
      return type;
  }
}
