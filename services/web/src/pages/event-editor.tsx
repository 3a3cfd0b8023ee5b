import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { allPages, api } from '../api.js';
import { Field } from '../components/form.js';
import { LoadedPage } from '../components/loaded-page.js';
import { Notice } from '../components/notice.js';
import { Page } from '../components/page.js';
import { wallTimeToInstant } from '../format.js';
import type { PartnerVenue } from '../types.js';
import { useLoad } from '../use-load.js';
import { useSubmit } from '../use-submit.js';

const currencies = ['EUR', 'GBP', 'USD', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN'];

export default function EventEditor() {
  const [loaded] = useLoad((signal) => allPages<PartnerVenue>('/catalog/partner/venues', { signal }), []);
  return (
    <LoadedPage loaded={loaded} title="New event" what="your venues" notFound="Nothing found.">
      {(venues) => <EventForm venues={venues} />}
    </LoadedPage>
  );
}

function EventForm({ venues }: { venues: PartnerVenue[] }) {
  const { query, route } = useLocation();
  const [venueId, setVenueId] = useState(venues.find((v) => v.id === query['venueId'])?.id ?? venues[0]?.id ?? '');
  const [currency, setCurrency] = useState('EUR');
  const [prices, setPrices] = useState<Record<string, string>>({});
  const { busy, error, submit } = useSubmit();
  const venue = venues.find((v) => v.id === venueId);

  if (venues.length === 0) {
    return (
      <Page title="New event">
        <p>
          An event takes place at one of your venues, and you have none yet. <a href="/organizer/venues/new">Create a venue</a> first.
        </p>
      </Page>
    );
  }

  const save = submit(async (form) => {
    if (!venue) return;
    const field = (name: string) => String(form.get(name) ?? '');
    const created = await api<{ id: string }>('/catalog/events', {
      method: 'POST',
      idempotent: true,
      body: {
        venueId: venue.id,
        title: field('title'),
        description: field('description'),
        // Times are entered as the clock at the venue shows them.
        startsAt: wallTimeToInstant(field('startsAt'), venue.timezone),
        endsAt: wallTimeToInstant(field('endsAt'), venue.timezone),
        status: field('status'),
        priceTiers: venue.categories.map((category) => ({ category, priceCents: Math.round(Number(prices[category] ?? '0') * 100), currency })),
      },
    });
    route(`/organizer?created=${created.id}`);
  });

  return (
    <Page title="New event">
      <form onSubmit={(e) => void save(e)} class="narrow-form">
        <div class="field">
          <label for="event-venue">Venue</label>
          <select id="event-venue" value={venueId} onChange={(e) => setVenueId((e.currentTarget as HTMLSelectElement).value)}>
            {venues.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}, {v.city} ({v.capacity} places)
              </option>
            ))}
          </select>
        </div>
        <Field id="title" label="Title" required maxLength={200} />
        <div class="field">
          <label for="description">Description (optional)</label>
          <textarea id="description" name="description" rows={3} maxLength={5000} />
        </div>
        <Field id="startsAt" label="Starts" type="datetime-local" required hint={venue ? `Local time at the venue (${venue.timezone}).` : undefined} />
        <Field id="endsAt" label="Ends" type="datetime-local" required />
        <fieldset>
          <legend>Prices</legend>
          <div class="field">
            <label for="currency">Currency</label>
            <select id="currency" value={currency} onChange={(e) => setCurrency((e.currentTarget as HTMLSelectElement).value)}>
              {currencies.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </div>
          {venue?.categories.map((category) => (
            <Field
              key={`${venue.id}-${category}`}
              id={`price-${category}`}
              label={`Price for ${category} (${currency})`}
              type="number"
              min={0}
              step="0.01"
              required
              value={prices[category] ?? ''}
              onInput={(e) => setPrices({ ...prices, [category]: (e.currentTarget as HTMLInputElement).value })}
            />
          ))}
        </fieldset>
        <fieldset>
          <legend>Publish</legend>
          <div class="radio">
            <input type="radio" id="status-on-sale" name="status" value="on_sale" defaultChecked />
            <label for="status-on-sale">On sale now</label>
          </div>
          <div class="radio">
            <input type="radio" id="status-draft" name="status" value="draft" />
            <label for="status-draft">Draft (only you see it)</label>
          </div>
        </fieldset>
        {error && <Notice kind="error">{error.message}</Notice>}
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create event'}
        </button>
      </form>
    </Page>
  );
}
