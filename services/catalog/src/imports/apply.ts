import type { Tx } from '@ticketing/platform';
import { recordChange } from '../changes/audit.js';
import { checkPriceTiers, checkSalesOpenAt, checkStartsAhead, checkTimes } from '../events/input.js';
import { checkVenueInput } from '../venues/input.js';
import { categoriesOfVenue, insertVenue } from '../venues/queries.js';
import type { ImportFormat } from './queries.js';
import { failOf, fingerprintOf, type EventRecord, type Rejection, type VenueRecord } from './records.js';

/** A venue an import's events may use: the organization's own, by key or id. */
interface KnownVenue {
  id: string;
  categories: ReadonlySet<string>;
}

/**
 * What one job knows about venues across batches (bounded: cleared when it
 * grows past `maxVenues`). `undefined` entries are venues looked up and not
 * found, or not the organization's.
 */
export class VenueCache {
  private readonly known = new Map<string, KnownVenue | 'not-found' | 'not-yours'>();
  constructor(private readonly maxVenues = 10_000) {}
  get(ref: string) {
    return this.known.get(ref);
  }
  set(ref: string, venue: KnownVenue | 'not-found' | 'not-yours') {
    if (this.known.size >= this.maxVenues) this.known.clear();
    this.known.set(ref, venue);
  }
}

export interface BatchContext {
  importId: string;
  ownerId: string;
  actor: string;
  format: ImportFormat;
  venues: VenueCache;
}

export interface BatchRow {
  line: number;
  record: VenueRecord | EventRecord;
}

export interface BatchOutcome {
  accepted: number;
  unchanged: number;
  skipped: number;
  rejections: Rejection[];
}

const venueRef = (r: EventRecord) => (r.venueKey !== undefined ? `key:${r.venueKey}` : `id:${r.venueId}`);

/** Looks up the venues `refs` name that the cache does not know yet; partners see only their organization's. */
async function resolveVenues(tx: Tx, ctx: BatchContext, refs: Iterable<string>): Promise<void> {
  const missing = [...new Set(refs)].filter((r) => ctx.venues.get(r) === undefined);
  if (missing.length === 0) return;
  const keys = missing.filter((r) => r.startsWith('key:')).map((r) => r.slice(4));
  const ids = missing.filter((r) => r.startsWith('id:')).map((r) => r.slice(3));
  const { rows } = await tx.query<{ id: string; owner_id: string; external_key: string | null }>(
    `SELECT id, owner_id, external_key FROM catalog.venues
      WHERE (owner_id = $1 AND external_key = ANY($2::text[])) OR id = ANY($3::uuid[])`,
    [ctx.ownerId, keys, ids],
  );
  for (const ref of missing) ctx.venues.set(ref, 'not-found');
  for (const row of rows) {
    const venue = row.owner_id === ctx.ownerId ? { id: row.id, categories: await categoriesOfVenue(tx, row.id) } : 'not-yours';
    if (ids.includes(row.id)) ctx.venues.set(`id:${row.id}`, venue);
    if (row.owner_id === ctx.ownerId && row.external_key !== null && keys.includes(row.external_key)) ctx.venues.set(`key:${row.external_key}`, venue);
  }
}

/** Fingerprints of the organization's existing rows with these keys. */
async function existingKeys(tx: Tx, table: 'events' | 'venues', ownerId: string, keys: string[]): Promise<Map<string, string | null>> {
  if (keys.length === 0) return new Map();
  const { rows } = await tx.query<{ external_key: string; source_fingerprint: string | null }>(
    `SELECT external_key, source_fingerprint FROM catalog.${table} WHERE owner_id = $1 AND external_key = ANY($2::text[])`,
    [ownerId, keys],
  );
  return new Map(rows.map((r) => [r.external_key, r.source_fingerprint]));
}

const keyField = (format: ImportFormat) => (format === 'csv' ? 'event_key' : 'key');

/**
 * Validates one batch against the database and, unless `write` is false
 * (another row of the batch was rejected already) or a row is rejected here
 * (a batch is all or nothing), writes it: new venues
 * first, then events with their price tiers in one statement each. A row
 * whose key exists with the same content is unchanged; with other content,
 * rejected (changes after publishing go through the API, audited).
 */
export async function applyBatch(tx: Tx, ctx: BatchContext, rows: readonly BatchRow[], options: { write: boolean }): Promise<BatchOutcome> {
  const rejections: Rejection[] = [];
  const reject = (line: number, field: string, reason: string) => rejections.push({ line, field, reason });
  const venueRows = rows.filter((r): r is BatchRow & { record: VenueRecord } => r.record.type === 'venue');
  const eventRows = rows.filter((r): r is BatchRow & { record: EventRecord } => r.record.type === 'event');
  let unchanged = 0;

  // Venues: checked and expanded now, inserted after the whole batch passed.
  const existingVenues = await existingKeys(
    tx,
    'venues',
    ctx.ownerId,
    venueRows.map((r) => r.record.key),
  );
  const newVenues: { row: BatchRow & { record: VenueRecord }; map: ReturnType<typeof checkVenueInput>; fingerprint: string }[] = [];
  const venueKeysInBatch = new Map<string, string>();
  for (const row of venueRows) {
    const fingerprint = fingerprintOf(row.record);
    const seen = existingVenues.get(row.record.key) ?? venueKeysInBatch.get(row.record.key);
    if (seen !== undefined) {
      if (seen === fingerprint) unchanged++;
      else reject(row.line, 'key', `venue ${row.record.key} already exists with other values; change it through the API`);
      continue;
    }
    try {
      const map = checkVenueInput(row.record);
      newVenues.push({ row, map, fingerprint });
      venueKeysInBatch.set(row.record.key, fingerprint);
    } catch (error) {
      const fail = failOf(error, ctx.format);
      reject(row.line, fail.field, fail.reason);
    }
  }
  await resolveVenues(
    tx,
    ctx,
    eventRows.filter((r) => r.record.venueKey === undefined || !venueKeysInBatch.has(r.record.venueKey)).map((r) => venueRef(r.record)),
  );
  const pendingCategories = new Map(
    newVenues.map((v) => [
      v.row.record.key,
      new Set([...v.map.seats.map((s) => s.category), ...v.map.sections.filter((s) => s.kind === 'general_admission').map((s) => s.category)]),
    ]),
  );

  const existingEvents = await existingKeys(
    tx,
    'events',
    ctx.ownerId,
    eventRows.map((r) => r.record.key),
  );
  const eventKeysInBatch = new Map<string, string>();
  const newEvents: { row: BatchRow & { record: EventRecord }; fingerprint: string }[] = [];
  const venueField = ctx.format === 'csv' ? ['venue_key', 'venue_id'] : ['venueKey', 'venueId'];
  for (const row of eventRows) {
    const r = row.record;
    const fingerprint = fingerprintOf(r);
    const seen = existingEvents.get(r.key) ?? eventKeysInBatch.get(r.key);
    if (seen !== undefined) {
      if (seen === fingerprint) unchanged++;
      else reject(row.line, keyField(ctx.format), `event ${r.key} already exists with other values; change it through the API`);
      continue;
    }
    const field = r.venueKey !== undefined ? venueField[0]! : venueField[1]!;
    const known =
      r.venueKey !== undefined && pendingCategories.has(r.venueKey) ? { id: '', categories: pendingCategories.get(r.venueKey)! } : ctx.venues.get(venueRef(r));
    if (known === 'not-yours') {
      reject(row.line, field, 'belongs to another organization');
      continue;
    }
    if (known === undefined || known === 'not-found') {
      reject(row.line, field, `no venue ${r.venueKey ?? r.venueId} in your organization`);
      continue;
    }
    try {
      const startsAt = new Date(r.startsAt);
      checkTimes(startsAt, new Date(r.endsAt));
      checkStartsAhead(startsAt);
      checkSalesOpenAt(r.status ?? 'on_sale', r.salesOpenAt ? new Date(r.salesOpenAt) : undefined, startsAt);
      try {
        checkPriceTiers(r.priceTiers, known.categories);
      } catch (error) {
        // The tiers as a whole do not fit the venue: the field is the tiers, whatever the check names.
        reject(row.line, ctx.format === 'csv' ? 'prices' : 'priceTiers', failOf(error, ctx.format).reason);
        continue;
      }
      newEvents.push({ row, fingerprint });
      eventKeysInBatch.set(r.key, fingerprint);
    } catch (error) {
      const fail = failOf(error, ctx.format);
      reject(row.line, fail.field === 'endsAt' ? (ctx.format === 'csv' ? 'ends_at' : 'endsAt') : fail.field, fail.reason);
    }
  }

  const valid = newVenues.length + newEvents.length + unchanged;
  if (rejections.length > 0 || !options.write) return { accepted: 0, unchanged: 0, skipped: valid, rejections };

  for (const v of newVenues) {
    const venueId = await insertVenue(tx, ctx.ownerId, v.row.record, v.map);
    await tx.query('UPDATE catalog.venues SET external_key = $2, source_fingerprint = $3 WHERE id = $1', [venueId, v.row.record.key, v.fingerprint]);
    ctx.venues.set(`key:${v.row.record.key}`, { id: venueId, categories: pendingCategories.get(v.row.record.key)! });
    await recordChange(tx, {
      actor: ctx.actor,
      ownerId: ctx.ownerId,
      entity: 'venue',
      entityId: venueId,
      type: 'venue.created',
      data: { importId: ctx.importId, key: v.row.record.key },
    });
  }
  const inserted = await insertEvents(tx, ctx, newEvents);
  if (inserted.length > 0) {
    await recordChange(tx, {
      actor: ctx.actor,
      ownerId: ctx.ownerId,
      entity: 'import',
      entityId: ctx.importId,
      type: 'events.imported',
      data: { eventIds: inserted },
    });
  }
  // Rows another import inserted meanwhile under the same key count as unchanged.
  return { accepted: newVenues.length + inserted.length, unchanged: unchanged + newEvents.length - inserted.length, skipped: 0, rejections };
}

async function insertEvents(tx: Tx, ctx: BatchContext, events: { row: BatchRow & { record: EventRecord }; fingerprint: string }[]): Promise<string[]> {
  if (events.length === 0) return [];
  const venueIdOf = (r: EventRecord) => (ctx.venues.get(venueRef(r)) as KnownVenue).id;
  const records = events.map((e) => e.row.record);
  const { rows } = await tx.query<{ id: string; external_key: string }>(
    `INSERT INTO catalog.events (venue_id, owner_id, title, description, starts_at, ends_at, status, sales_open_at, external_key, source_fingerprint)
     SELECT u.venue_id, $1, u.title, u.description, date_trunc('milliseconds', u.starts_at), date_trunc('milliseconds', u.ends_at), u.status,
            date_trunc('milliseconds', u.sales_open_at), u.external_key, u.fingerprint
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::timestamptz[], $9::text[], $10::text[])
            AS u(venue_id, title, description, starts_at, ends_at, status, sales_open_at, external_key, fingerprint)
     ON CONFLICT (owner_id, external_key) WHERE external_key IS NOT NULL DO NOTHING
     RETURNING id, external_key`,
    [
      ctx.ownerId,
      records.map(venueIdOf),
      records.map((r) => r.title),
      records.map((r) => r.description ?? ''),
      records.map((r) => r.startsAt),
      records.map((r) => r.endsAt),
      records.map((r) => r.status ?? 'on_sale'),
      records.map((r) => r.salesOpenAt ?? null),
      records.map((r) => r.key),
      events.map((e) => e.fingerprint),
    ],
  );
  const idByKey = new Map(rows.map((r) => [r.external_key, r.id]));
  const tiers = records.flatMap((r) => (idByKey.has(r.key) ? r.priceTiers.map((t) => ({ eventId: idByKey.get(r.key)!, ...t })) : []));
  await tx.query(
    `INSERT INTO catalog.price_tiers (event_id, category, price_cents, currency)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[])`,
    [tiers.map((t) => t.eventId), tiers.map((t) => t.category), tiers.map((t) => t.priceCents), tiers.map((t) => t.currency)],
  );
  return rows.map((r) => r.id);
}
