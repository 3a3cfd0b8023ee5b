import type { Pool, Tx } from '@ticketing/platform';
import type { Rejection } from './records.js';

export type ImportFormat = 'csv' | 'jsonl';
export type ImportMode = 'file' | 'batch';
export type ImportState = 'uploading' | 'queued' | 'running' | 'imported' | 'partially_imported' | 'rejected' | 'failed';

export interface ImportRow {
  id: string;
  owner_id: string;
  created_by: string;
  format: ImportFormat;
  mode: ImportMode;
  batch_size: number;
  content_sha256: string | null;
  bytes: string;
  state: ImportState;
  rows_read: number;
  rows_accepted: number;
  rows_unchanged: number;
  rows_rejected: number;
  rows_skipped: number;
  committed_line: number;
  attempts: number;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** Row counts of a job: what has been read, and what became of it. */
export interface RowCounts {
  read: number;
  accepted: number;
  unchanged: number;
  rejected: number;
  skipped: number;
}

export const zeroCounts = (): RowCounts => ({ read: 0, accepted: 0, unchanged: 0, rejected: 0, skipped: 0 });

export function countsOf(row: ImportRow): RowCounts {
  return { read: row.rows_read, accepted: row.rows_accepted, unchanged: row.rows_unchanged, rejected: row.rows_rejected, skipped: row.rows_skipped };
}

export function toImportJob(row: ImportRow) {
  return {
    id: row.id,
    format: row.format,
    mode: row.mode,
    batchSize: row.batch_size,
    state: row.state,
    bytes: Number(row.bytes),
    rows: countsOf(row),
    error: row.error,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}

export async function findImport(db: Pool | Tx, importId: string): Promise<ImportRow | undefined> {
  const { rows } = await db.query<ImportRow>('SELECT * FROM catalog.imports WHERE id = $1', [importId]);
  return rows[0];
}

/** Records rejected rows; a resumed job reports the same lines again, which changes nothing. */
export async function recordRejections(db: Pool | Tx, importId: string, rejections: readonly Rejection[]): Promise<void> {
  if (rejections.length === 0) return;
  await db.query(
    `INSERT INTO catalog.import_rejections (import_id, line, field, reason)
     SELECT $1, u.line, u.field, u.reason FROM unnest($2::int[], $3::text[], $4::text[]) AS u(line, field, reason)
     ON CONFLICT DO NOTHING`,
    [importId, rejections.map((r) => r.line), rejections.map((r) => r.field), rejections.map((r) => r.reason)],
  );
}

export async function rejectionsOf(db: Pool, importId: string, afterLine: number, limit: number) {
  const { rows } = await db.query<Rejection>(
    'SELECT line, field, reason FROM catalog.import_rejections WHERE import_id = $1 AND line > $2 ORDER BY line, field LIMIT $3',
    [importId, afterLine, limit],
  );
  return { items: rows, nextAfter: rows.length === limit ? rows.at(-1)!.line : null };
}

/** The stored file, chunk by chunk, in order: never more than one chunk in memory. */
export async function* storedFile(pool: Pool, importId: string): AsyncGenerator<Buffer> {
  for (let seq = 0; ; seq++) {
    const { rows } = await pool.query<{ data: Buffer }>('SELECT data FROM catalog.import_chunks WHERE import_id = $1 AND seq = $2', [importId, seq]);
    if (rows.length === 0) return;
    yield rows[0]!.data;
  }
}
