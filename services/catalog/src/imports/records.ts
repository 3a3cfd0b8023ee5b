import { createHash } from 'node:crypto';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { HttpProblem } from '@ticketing/platform';
import type { OpenApiDocument } from '@ticketing/platform';
import type { EventInput } from '../events/input.js';
import type { VenueInput } from '../venues/input.js';

/**
 * The rows of an import file, as records: a JSON Lines line is one as it
 * stands; a CSV row is mapped to an event record (columns below). Records
 * are validated by the API's own schemas (ImportVenueRecord,
 * ImportEventRecord), so an imported row obeys the same rules as a POST.
 */

export type VenueRecord = VenueInput & { type: 'venue'; key: string };
export type EventRecord = Omit<EventInput, 'venueId'> & { type: 'event'; key: string; venueKey?: string; venueId?: string };
export type ImportRecord = VenueRecord | EventRecord;

export interface Rejection {
  line: number;
  field: string;
  reason: string;
}

/** CSV columns and the record fields they fill. */
export const csvColumns = {
  event_key: 'key',
  venue_key: 'venueKey',
  venue_id: 'venueId',
  title: 'title',
  description: 'description',
  starts_at: 'startsAt',
  ends_at: 'endsAt',
  status: 'status',
  sales_open_at: 'salesOpenAt',
  currency: 'currency',
  prices: 'priceTiers',
} as const;
export const requiredCsvColumns = ['event_key', 'title', 'starts_at', 'ends_at', 'currency', 'prices'] as const;
const fieldToColumn: Record<string, string> = Object.fromEntries(Object.entries(csvColumns).map(([column, field]) => [field, column]));

/** What is wrong with a CSV header, or undefined when it names the columns of the format. */
export function csvHeaderProblem(columns: readonly string[]): string | undefined {
  const known = new Set(Object.keys(csvColumns));
  const unknown = columns.filter((c) => !known.has(c));
  if (unknown.length > 0) return `unknown columns: ${unknown.join(', ')} (known: ${[...known].join(', ')})`;
  const missing = requiredCsvColumns.filter((c) => !columns.includes(c));
  if (!columns.includes('venue_key') && !columns.includes('venue_id')) missing.push('venue_key or venue_id' as never);
  if (missing.length > 0) return `missing columns: ${missing.join(', ')}`;
  const duplicated = columns.filter((c, i) => columns.indexOf(c) !== i);
  if (duplicated.length > 0) return `columns given twice: ${duplicated.join(', ')}`;
  return undefined;
}

type Fail = { field: string; reason: string };

/** `standard=3500;vip=6000` → price tiers in `currency`. */
function parsePrices(prices: string, currency: string): EventRecord['priceTiers'] | Fail {
  const tiers = [];
  for (const part of prices.split(';')) {
    const match = /^\s*([^=\s]+)\s*=\s*(\d{1,9})\s*$/.exec(part);
    if (!match) return { field: 'prices', reason: `"${part.slice(0, 40)}" is not category=priceCents` };
    tiers.push({ category: match[1]!, priceCents: Number(match[2]), currency });
  }
  return tiers;
}

/** A CSV row (by column) as an event record; empty optional cells are absent. */
export function recordOfCsvRow(row: Record<string, string>): EventRecord | Fail {
  const record: Record<string, unknown> = { type: 'event' };
  for (const [column, field] of Object.entries(csvColumns)) {
    const value = row[column];
    if (value === undefined || value === '' || column === 'currency' || column === 'prices') continue;
    record[field] = value;
  }
  const prices = parsePrices(row['prices'] ?? '', row['currency'] ?? '');
  if ('reason' in prices) return prices;
  record['priceTiers'] = prices;
  return record as EventRecord;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export interface RecordValidator {
  /** The record, or why not (field named as the file names it). */
  check(value: unknown, format: 'csv' | 'jsonl'): ImportRecord | Fail;
}

export function createRecordValidator(doc: OpenApiDocument): RecordValidator {
  const ajv = addFormats(new Ajv2020({ allErrors: false, strict: false }));
  ajv.addSchema({ $id: 'catalog', components: doc.components });
  const venue = ajv.compile({ $ref: 'catalog#/components/schemas/ImportVenueRecord' });
  const event = ajv.compile({ $ref: 'catalog#/components/schemas/ImportEventRecord' });
  const describe = (errors: ErrorObject[] | null | undefined, format: 'csv' | 'jsonl'): Fail => {
    const e = errors?.[0];
    const path = (e?.instancePath ?? '').split('/').filter(Boolean);
    if (e?.keyword === 'required') path.push(String(e.params['missingProperty']));
    if (e?.keyword === 'additionalProperties') path.push(String(e.params['additionalProperty']));
    if (e?.keyword === 'oneOf') return { field: format === 'csv' ? 'venue_key' : 'venueKey', reason: 'give exactly one of venueKey and venueId' };
    const csvField = path[0] === 'priceTiers' && path[2] === 'currency' ? 'currency' : fieldToColumn[path[0] ?? ''];
    const field = format === 'csv' ? (csvField ?? path.join('.')) : path.join('.');
    return { field: field || 'line', reason: e?.message ?? 'is not valid' };
  };
  return {
    check(value, format) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return { field: 'line', reason: 'is not a JSON object' };
      const type = (value as { type?: unknown }).type;
      const validate: ValidateFunction | undefined = type === 'venue' ? venue : type === 'event' ? event : undefined;
      if (!validate) return { field: 'type', reason: 'must be "venue" or "event"' };
      if (format === 'csv' && type !== 'event') return { field: 'type', reason: 'CSV files hold events only' };
      return validate(value) ? (value as ImportRecord) : describe(validate.errors, format);
    },
  };
}

/** Turns a domain check's problem into the field and reason of a rejected row. */
export function failOf(error: unknown, format: 'csv' | 'jsonl'): Fail {
  if (!(error instanceof HttpProblem) || error.status >= 500) throw error;
  const first = (error.extensions['errors'] as { field: string; message: string }[] | undefined)?.[0];
  const raw = first?.field ?? (error.extensions['field'] as string | undefined) ?? '';
  const field = raw.replace(/^body\./, '');
  const mapped = format === 'csv' ? (fieldToColumn[field.split('.')[0] ?? ''] ?? field) : field;
  return { field: mapped || 'line', reason: first?.message ?? error.detail ?? error.title };
}

/** What a record says, independent of how the file spelled it: re-importing the same content is recognised as no change. */
export function fingerprintOf(record: ImportRecord): string {
  const canonical =
    record.type === 'event'
      ? [
          record.venueKey ?? null,
          record.venueId ?? null,
          record.title,
          record.description ?? '',
          new Date(record.startsAt).toISOString(),
          new Date(record.endsAt).toISOString(),
          record.status ?? 'on_sale',
          record.salesOpenAt ? new Date(record.salesOpenAt).toISOString() : null,
          [...record.priceTiers].sort((a, b) => a.category.localeCompare(b.category)).map((t) => [t.category, t.priceCents, t.currency]),
        ]
      : [record.name, record.city, record.address ?? '', record.timezone ?? 'UTC', record.sections];
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url').slice(0, 32);
}
