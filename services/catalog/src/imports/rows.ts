import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { ImportFormat } from './queries.js';
import { recordOfCsvRow, type RecordValidator } from './records.js';
import type { ImportRecord } from './records.js';

/** One line (CSV: one row) of a file: its record, or why it cannot be one. */
export type FileRow = { line: number; record: ImportRecord } | { line: number; field: string; reason: string };

/** A file that cannot be read on (e.g. an unclosed CSV quote): the job fails naming it. */
export class UnreadableFile extends Error {}

/** JSON Lines: one value per line; blank lines are ignored. Lines are bounded by the upload check and again here. */
async function* jsonLines(chunks: AsyncIterable<Buffer>, maxLineBytes: number): AsyncGenerator<{ line: number; text?: string; tooLong?: true }> {
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let line = 0;
  let skipping = false;
  for await (const chunk of chunks) {
    let from = 0;
    for (;;) {
      const newline = chunk.indexOf(10, from);
      const end = newline === -1 ? chunk.length : newline;
      if (!skipping) {
        carry.push(chunk.subarray(from, end));
        carryBytes += end - from;
        if (carryBytes > maxLineBytes) {
          skipping = true;
          carry = [];
        }
      }
      if (newline === -1) break;
      line++;
      if (skipping) yield { line, tooLong: true };
      else yield { line, text: Buffer.concat(carry, carryBytes).toString('utf8') };
      carry = [];
      carryBytes = 0;
      skipping = false;
      from = newline + 1;
    }
  }
  line++;
  if (skipping) yield { line, tooLong: true };
  else if (carryBytes > 0) yield { line, text: Buffer.concat(carry, carryBytes).toString('utf8') };
}

async function* jsonlRows(chunks: AsyncIterable<Buffer>, validator: RecordValidator, maxLineBytes: number): AsyncGenerator<FileRow> {
  for await (const { line, text, tooLong } of jsonLines(chunks, maxLineBytes)) {
    if (tooLong) {
      yield { line, field: 'line', reason: `is longer than ${maxLineBytes} bytes` };
      continue;
    }
    const trimmed = (line === 1 ? text!.replace(/^\uFEFF/, '') : text!).trim();
    if (trimmed === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      yield { line, field: 'line', reason: `is not valid JSON (${(error as Error).message})` };
      continue;
    }
    const checked = validator.check(value, 'jsonl');
    yield 'reason' in checked ? { line, ...checked } : { line, record: checked };
  }
}

async function* csvRows(chunks: AsyncIterable<Buffer>, validator: RecordValidator, maxLineBytes: number): AsyncGenerator<FileRow> {
  const parser = Readable.from(chunks).pipe(
    parse({ bom: true, skip_empty_lines: true, relax_column_count: true, trim: true, max_record_size: maxLineBytes, info: true }),
  );
  let header: string[] | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!header) {
        header = record;
        continue;
      }
      const line = info.lines;
      if (record.length !== header.length) {
        yield { line, field: 'line', reason: `has ${record.length} fields; the header has ${header.length}` };
        continue;
      }
      const mapped = recordOfCsvRow(Object.fromEntries(header.map((column, i) => [column, record[i]!])));
      const checked = 'reason' in mapped ? mapped : validator.check(mapped, 'csv');
      yield 'reason' in checked ? { line, ...checked } : { line, record: checked };
    }
  } catch (error) {
    const e = error as { code?: string; message: string; lines?: number };
    if (e.code?.startsWith('CSV_')) throw new UnreadableFile(e.message);
    throw error;
  }
}

/** The rows of a stored file, streamed. */
export function rowsOf(format: ImportFormat, chunks: AsyncIterable<Buffer>, validator: RecordValidator, maxLineBytes: number): AsyncGenerator<FileRow> {
  return format === 'csv' ? csvRows(chunks, validator, maxLineBytes) : jsonlRows(chunks, validator, maxLineBytes);
}
