import { createHash, randomUUID } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import { HttpProblem, problems, type Pool } from '@ticketing/platform';
import type { Request } from 'express';
import { importLimits } from './limits.js';
import { findImport, toImportJob, type ImportFormat, type ImportMode, type ImportRow } from './queries.js';
import { csvHeaderProblem } from './records.js';

export interface UploadLimits {
  maxBytes: number;
  maxLineBytes: number;
}

const formatsByType: Record<string, ImportFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/x-jsonlines': 'jsonl',
};

/** The file format the Content-Type names (415 for anything else, or a charset but UTF-8). */
export function formatOf(req: Request): ImportFormat {
  const [type, ...params] = (req.get('content-type') ?? '').split(';').map((p) => p.trim().toLowerCase());
  const format = formatsByType[type ?? ''];
  if (!format) {
    throw new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type', 'send the file as text/csv or application/x-ndjson (JSON Lines)');
  }
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new HttpProblem(415, 'unsupported-encoding', 'Unsupported encoding', `unsupported charset "${charset}"; send UTF-8`);
  }
  return format;
}

/** The request body, decompressed when it says gzip (bounded by the checker, so a small bomb cannot inflate past the limit). */
function bodyOf(req: Request): AsyncIterable<Buffer> {
  const encoding = (req.get('content-encoding') ?? 'identity').toLowerCase();
  if (encoding === 'identity') return req;
  if (encoding !== 'gzip') {
    throw new HttpProblem(
      415,
      'unsupported-content-encoding',
      'Unsupported Content-Encoding',
      `Content-Encoding "${encoding}" is not supported; use gzip or none`,
    );
  }
  const gunzip = createGunzip();
  req.pipe(gunzip);
  req.once('error', (error) => gunzip.destroy(error));
  // Its reader sees a truncated or corrupt member as the error of its iteration; once the
  // reader has stopped (a refused upload), a late error of the rest of the body is dropped.
  gunzip.on('error', () => undefined);
  return gunzip;
}

/**
 * Checks a file as it streams past, in constant memory: size, UTF-8, line
 * length, and (CSV) the header's columns. Each failure is a 4xx naming
 * where the file went wrong.
 */
class FileChecker {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly hash = createHash('sha256');
  bytes = 0;
  private line = 1;
  private lineBytes = 0;
  private header: Buffer[] | undefined;

  constructor(
    private readonly format: ImportFormat,
    private readonly limits: UploadLimits,
  ) {
    if (format === 'csv') this.header = [];
  }

  update(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limits.maxBytes) {
      throw new HttpProblem(413, 'file-too-large', 'File too large', `the file is larger than ${this.limits.maxBytes} bytes (after decompression)`);
    }
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      throw this.notUtf8(this.line + this.linesBeforeInvalid(chunk));
    }
    this.hash.update(chunk);
    let from = 0;
    for (;;) {
      const newline = chunk.indexOf(10, from);
      const end = newline === -1 ? chunk.length : newline;
      this.lineBytes += end - from;
      if (this.lineBytes > this.limits.maxLineBytes) {
        throw problems.unprocessable('line-too-long', 'Line too long', `line ${this.line} is longer than ${this.limits.maxLineBytes} bytes`, {
          line: this.line,
        });
      }
      if (this.header) this.header.push(chunk.subarray(from, end));
      if (newline === -1) return;
      if (this.header) this.checkHeader();
      this.line++;
      this.lineBytes = 0;
      from = newline + 1;
    }
  }

  /** Ends the check; returns the file's digest. */
  finish(): string {
    try {
      this.decoder.decode();
    } catch {
      throw this.notUtf8();
    }
    if (this.bytes === 0) throw problems.badRequest('the file is empty');
    if (this.header) this.checkHeader();
    return this.hash.digest('hex');
  }

  private notUtf8(line = this.line): HttpProblem {
    return problems.unprocessable('not-utf8', 'Not UTF-8', `line ${line} is not valid UTF-8; save the file as UTF-8`, { line });
  }

  /** Only on the error path: how many lines of `chunk` decode before the invalid one. */
  private linesBeforeInvalid(chunk: Buffer): number {
    let lines = 0;
    for (let from = 0; from < chunk.length; lines++) {
      const newline = chunk.indexOf(10, from);
      const end = newline === -1 ? chunk.length : newline;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(chunk.subarray(from, end));
      } catch {
        return lines;
      }
      if (newline === -1) break;
      from = newline + 1;
    }
    return 0;
  }

  private checkHeader(): void {
    const text = Buffer.concat(this.header!)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    this.header = undefined;
    let columns: string[];
    try {
      columns = ((parseCsv(text, { relax_quotes: false, max_record_size: this.limits.maxLineBytes }) as string[][])[0] ?? []).map((c) => c.trim());
    } catch (error) {
      throw problems.unprocessable('malformed-csv', 'Malformed CSV header', `line 1: ${(error as Error).message}`, { line: 1 });
    }
    if (columns.length > importLimits.maxColumns) {
      throw problems.unprocessable('too-many-columns', 'Too many columns', `the header has ${columns.length} columns; at most ${importLimits.maxColumns}`);
    }
    const problem = csvHeaderProblem(columns);
    if (problem) throw problems.unprocessable('bad-csv-columns', 'Wrong CSV columns', problem, { line: 1 });
  }
}

/**
 * Failures of the body that are the client's: not valid gzip, or the upload
 * cut off half-way (its connection reset, which is no database outage).
 */
function bodyProblem(error: unknown, req: Request): unknown {
  if ((error as { code?: string }).code?.startsWith('Z_')) return problems.badRequest('the body is not valid gzip');
  if (!(error instanceof HttpProblem) && !req.complete && (error as { code?: string }).code === 'ECONNRESET') {
    return problems.badRequest('the upload was cut off before its end');
  }
  return error;
}

export interface UploadRequest {
  importId?: string;
  mode: ImportMode;
  batchSize: number;
  ownerId: string;
  actor: string;
}

/**
 * Stores an uploaded file as a queued import, streaming it into chunks as it
 * arrives; or, when `importId` names an earlier upload of the same file by
 * the same organization, answers that job. Anything wrong with the file is
 * a 4xx and leaves nothing behind.
 */
export async function receiveUpload(pool: Pool, req: Request, request: UploadRequest, limits: UploadLimits) {
  const format = formatOf(req);
  const checker = new FileChecker(format, limits);
  const body = bodyOf(req);
  const existing = request.importId ? await findImport(pool, request.importId) : undefined;
  if (existing) {
    try {
      for await (const chunk of body) checker.update(chunk as Buffer);
    } catch (error) {
      throw bodyProblem(error, req);
    }
    const digest = checker.finish();
    if (existing.owner_id !== request.ownerId || existing.content_sha256 !== digest || existing.format !== format || existing.state === 'uploading') {
      throw problems.conflict('import-id-reused', 'Import id already used', `import ${request.importId} was used for a different file`);
    }
    return { status: 200, job: toImportJob(existing) };
  }

  const importId = request.importId ?? randomUUID();
  try {
    await pool.query(`INSERT INTO catalog.imports (id, owner_id, created_by, format, mode, batch_size, state) VALUES ($1, $2, $3, $4, $5, $6, 'uploading')`, [
      importId,
      request.ownerId,
      request.actor,
      format,
      request.mode,
      request.batchSize,
    ]);
  } catch (error) {
    if ((error as { code?: string }).code === '23505')
      throw problems.conflict('import-id-reused', 'Import id already used', `import ${importId} is being uploaded`);
    throw error;
  }
  try {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let seq = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      await pool.query('INSERT INTO catalog.import_chunks (import_id, seq, data) VALUES ($1, $2, $3)', [importId, seq++, Buffer.concat(pending)]);
      pending = [];
      pendingBytes = 0;
    };
    for await (const chunk of body) {
      checker.update(chunk as Buffer);
      pending.push(chunk as Buffer);
      pendingBytes += (chunk as Buffer).length;
      if (pendingBytes >= importLimits.chunkBytes) await flush();
    }
    const digest = checker.finish();
    await flush();
    const { rows } = await pool.query<ImportRow>(`UPDATE catalog.imports SET state = 'queued', content_sha256 = $2, bytes = $3 WHERE id = $1 RETURNING *`, [
      importId,
      digest,
      checker.bytes,
    ]);
    return { status: 202, job: toImportJob(rows[0]!) };
  } catch (error) {
    await pool.query('DELETE FROM catalog.imports WHERE id = $1', [importId]).catch(() => undefined);
    throw bodyProblem(error, req);
  }
}
