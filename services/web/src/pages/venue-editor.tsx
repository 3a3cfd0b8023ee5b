import { useLocation } from 'preact-iso';
import { useMemo, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Field } from '../components/form.js';
import { Notice } from '../components/notice.js';
import { Page } from '../components/page.js';
import { SeatMap } from '../components/seat-map.js';
import type { MapSection, SeatMap as SeatMapData } from '../types.js';
import { useSubmit } from '../use-submit.js';

interface RowDraft {
  key: number;
  label: string;
  seats: number;
  /** Empty: the section's category. */
  category: string;
}

type SectionDraft =
  | { key: number; kind: 'seated'; name: string; category: string; rows: RowDraft[]; centred: boolean }
  | { key: number; kind: 'general_admission'; name: string; category: string; capacity: number };

let nextKey = 1;
const key = () => nextKey++;
const nextLabel = (label: string | undefined) => (label && /^[A-Y]$/.test(label) ? String.fromCharCode(label.charCodeAt(0) + 1) : '');

const newSeated = (name: string): SectionDraft => ({
  key: key(),
  kind: 'seated',
  name,
  category: 'standard',
  rows: ['A', 'B', 'C'].map((label) => ({ key: key(), label, seats: 10, category: '' })),
  centred: true,
});

/** A row's shift to the right: centred on the section's widest row, or none (every row starts at the left). */
function rowOffset(section: Extract<SectionDraft, { kind: 'seated' }>, row: RowDraft): number {
  if (!section.centred) return 0;
  return (Math.max(...section.rows.map((r) => r.seats)) - row.seats) / 2;
}
const newStanding = (name: string): SectionDraft => ({ key: key(), kind: 'general_admission', name, category: 'floor', capacity: 100 });

const ownTimeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const knownTimeZones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
/** Chromium's list leaves out UTC (and other aliases): a browser on such a clock would otherwise show an empty choice. */
const timeZones = knownTimeZones.includes(ownTimeZone) ? knownTimeZones : [ownTimeZone, ...knownTimeZones];

/**
 * The seat map as the catalog will lay it out (sections stacked top to
 * bottom, one row apart; seat n of a row at x = offset + n - 1), for the preview.
 */
function previewOf(name: string, sections: SectionDraft[]): SeatMapData {
  let y = 0;
  const mapped: MapSection[] = sections.map((section) => {
    if (section.kind === 'general_admission') {
      return { id: String(section.key), name: section.name, kind: section.kind, category: section.category, capacity: section.capacity, seats: [] };
    }
    const seats = section.rows.flatMap((row, rowIndex) =>
      Array.from({ length: Math.max(0, Math.min(row.seats, 200)) }, (_, k) => ({
        id: `${section.key}-${row.key}-${k}`,
        row: row.label || '?',
        number: k + 1,
        x: rowOffset(section, row) + k,
        y: y + rowIndex,
        category: row.category || section.category,
        priceCents: 0,
      })),
    );
    y += section.rows.length + 1;
    return { id: String(section.key), name: section.name, kind: section.kind, category: section.category, capacity: seats.length, seats };
  });
  const categories = [...new Set(sections.flatMap((s) => (s.kind === 'seated' ? [s.category, ...s.rows.map((r) => r.category || s.category)] : [s.category])))];
  return {
    eventId: '',
    status: 'draft',
    currency: 'EUR',
    venue: { id: '', name: name || 'your venue', city: '', address: '', timezone: '' },
    priceTiers: categories.map((category) => ({ category, priceCents: 0, currency: 'EUR' })),
    sections: mapped,
  };
}

export default function VenueEditor() {
  const { route } = useLocation();
  const [venue, setVenue] = useState({ name: '', city: '', address: '', timezone: ownTimeZone });
  const [sections, setSections] = useState<SectionDraft[]>(() => [newSeated('Stalls')]);
  const { busy, error, submit } = useSubmit();
  const preview = useMemo(() => previewOf(venue.name, sections), [venue.name, sections]);
  const seatCount = preview.sections.reduce((n, s) => n + s.seats.length, 0);
  const standing = sections.filter((s) => s.kind === 'general_admission').reduce((n, s) => n + (s.kind === 'general_admission' ? s.capacity : 0), 0);
  const allSeats = useMemo(() => new Map(preview.sections.flatMap((s) => s.seats.map((seat) => [seat.id, 'available' as const]))), [preview]);

  const update = (index: number, change: Partial<SectionDraft>) =>
    setSections(sections.map((s, i) => (i === index ? ({ ...s, ...change } as SectionDraft) : s)));
  const updateRow = (index: number, rowIndex: number, change: Partial<RowDraft>) => {
    const section = sections[index];
    if (section?.kind !== 'seated') return;
    update(index, { rows: section.rows.map((r, j) => (j === rowIndex ? { ...r, ...change } : r)) });
  };
  const text = (e: Event) => (e.currentTarget as HTMLInputElement).value;
  const count = (e: Event) => Math.max(0, Math.floor(Number((e.currentTarget as HTMLInputElement).value) || 0));

  const save = submit(async () => {
    const created = await api<{ id: string }>('/catalog/venues', {
      method: 'POST',
      idempotent: true,
      body: {
        name: venue.name,
        city: venue.city,
        ...(venue.address.trim() ? { address: venue.address } : {}),
        timezone: venue.timezone,
        sections: sections.map((s) =>
          s.kind === 'seated'
            ? {
                name: s.name,
                kind: s.kind,
                category: s.category,
                rows: s.rows.map((r) => ({
                  row: r.label,
                  seats: r.seats,
                  ...(rowOffset(s, r) ? { offset: rowOffset(s, r) } : {}),
                  ...(r.category ? { category: r.category } : {}),
                })),
              }
            : { name: s.name, kind: s.kind, category: s.category, capacity: s.capacity },
        ),
      },
    });
    route(`/organizer/events/new?venueId=${created.id}`);
  });

  return (
    <Page title="New venue" wide>
      <p>Sections, rows and seats cannot be changed once the venue is saved (events and bookings refer to its seats).</p>
      <form onSubmit={(e) => void save(e)}>
        <div class="inline-fields">
          <Field id="venue-name" label="Venue name" required maxLength={200} value={venue.name} onInput={(e) => setVenue({ ...venue, name: text(e) })} />
          <Field id="venue-city" label="City" required maxLength={100} value={venue.city} onInput={(e) => setVenue({ ...venue, city: text(e) })} />
          <Field
            id="venue-address"
            label="Address (optional)"
            maxLength={300}
            value={venue.address}
            onInput={(e) => setVenue({ ...venue, address: text(e) })}
          />
          <div class="field">
            <label for="venue-timezone">Time zone</label>
            <select id="venue-timezone" value={venue.timezone} onChange={(e) => setVenue({ ...venue, timezone: (e.currentTarget as HTMLSelectElement).value })}>
              {timeZones.map((zone) => (
                <option key={zone} value={zone}>
                  {zone}
                </option>
              ))}
            </select>
          </div>
        </div>

        {sections.map((section, i) => (
          <fieldset class="editor-section" key={section.key}>
            <legend>
              {section.kind === 'seated' ? 'Seated section' : 'Standing area'} {i + 1}
              {section.name ? `: ${section.name}` : ''}
            </legend>
            <div class="inline-fields">
              <Field
                id={`s${section.key}-name`}
                label="Section name"
                required
                maxLength={100}
                value={section.name}
                onInput={(e) => update(i, { name: text(e) })}
              />
              <Field
                id={`s${section.key}-category`}
                label="Price category"
                required
                maxLength={50}
                hint="Lower case, e.g. standard, vip, floor."
                value={section.category}
                onInput={(e) => update(i, { category: text(e).toLowerCase() })}
              />
              {section.kind === 'general_admission' && (
                <Field
                  id={`s${section.key}-capacity`}
                  label="Capacity (places)"
                  type="number"
                  min={1}
                  required
                  value={String(section.capacity)}
                  onInput={(e) => update(i, { capacity: count(e) })}
                />
              )}
            </div>
            {section.kind === 'seated' && (
              <>
                <ul class="row-list" aria-label={`Rows of ${section.name || `section ${i + 1}`}`}>
                  {section.rows.map((row, j) => (
                    <li key={row.key}>
                      <Field
                        id={`s${section.key}-r${row.key}-label`}
                        label={`Row ${j + 1} label`}
                        required
                        maxLength={10}
                        value={row.label}
                        onInput={(e) => updateRow(i, j, { label: text(e) })}
                      />
                      <Field
                        id={`s${section.key}-r${row.key}-seats`}
                        label={`Row ${j + 1} seats`}
                        type="number"
                        min={1}
                        max={500}
                        required
                        value={String(row.seats)}
                        onInput={(e) => updateRow(i, j, { seats: count(e) })}
                      />
                      <Field
                        id={`s${section.key}-r${row.key}-category`}
                        label={`Row ${j + 1} category (optional)`}
                        maxLength={50}
                        value={row.category}
                        onInput={(e) => updateRow(i, j, { category: text(e).toLowerCase() })}
                      />
                      <div class="field">
                        <button
                          type="button"
                          class="secondary"
                          disabled={section.rows.length === 1}
                          onClick={() => update(i, { rows: section.rows.filter((_, k) => k !== j) })}
                        >
                          Remove row {row.label || j + 1}
                        </button>
                      </div>
                    </li>
                  ))}
                </ul>
                <p class="radio">
                  <input
                    type="checkbox"
                    id={`s${section.key}-centred`}
                    checked={section.centred}
                    onChange={(e) => update(i, { centred: (e.currentTarget as HTMLInputElement).checked })}
                  />
                  <label for={`s${section.key}-centred`}>Centre shorter rows on the widest one</label>
                </p>
                <button
                  type="button"
                  class="secondary"
                  onClick={() => {
                    const last = section.rows[section.rows.length - 1];
                    update(i, { rows: [...section.rows, { key: key(), label: nextLabel(last?.label), seats: last?.seats ?? 10, category: '' }] });
                  }}
                >
                  Add a row to {section.name || `section ${i + 1}`}
                </button>
              </>
            )}{' '}
            <button type="button" class="secondary" disabled={sections.length === 1} onClick={() => setSections(sections.filter((_, k) => k !== i))}>
              Remove {section.name || `section ${i + 1}`}
            </button>
          </fieldset>
        ))}
        <p class="actions">
          <button type="button" class="secondary" onClick={() => setSections([...sections, newSeated(`Section ${sections.length + 1}`)])}>
            Add a seated section
          </button>
          <button type="button" class="secondary" onClick={() => setSections([...sections, newStanding('Standing')])}>
            Add a standing area
          </button>
        </p>

        <h2>Preview</h2>
        <p role="status">
          {seatCount} seats{standing > 0 ? ` and ${standing} standing places` : ''}.
        </p>
        {seatCount > 0 && (
          <SeatMap map={preview} statuses={allSeats} selected={new Set()} onToggle={() => undefined} preview={`Preview of the seat map: ${seatCount} seats`} />
        )}
        {sections
          .filter((s) => s.kind === 'general_admission')
          .map((s) => (
            <p key={s.key}>
              {s.name}: {s.kind === 'general_admission' ? s.capacity : 0} standing places ({s.category}).
            </p>
          ))}

        {error && <Notice kind="error">{error.message}</Notice>}
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save venue'}
        </button>
      </form>
    </Page>
  );
}
