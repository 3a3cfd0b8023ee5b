import { randomUUID } from 'node:crypto';
import { wakeableSleep, withTransaction, type Logger, type Pool, type Tx } from '@ticketing/platform';
import { applyBatch, VenueCache, type BatchContext, type BatchOutcome, type BatchRow } from './apply.js';
import { countsOf, recordRejections, storedFile, zeroCounts, type ImportRow, type ImportState, type RowCounts } from './queries.js';
import type { Rejection, RecordValidator } from './records.js';
import { rowsOf, UnreadableFile } from './rows.js';

export interface ImportRunnerDeps {
  pool: Pool;
  logger: Logger;
  validator: RecordValidator;
  maxLineBytes: number;
  /** How long a runner's claim on a job lasts without a heartbeat: a killed runner's job is taken over after this. */
  leaseSeconds: number;
  pollIntervalMs: number;
  /** After a batch committed catalog changes. */
  onChanges(): void;
}

/** Another runner took the job over (this one was too slow to renew its lease), or this one is stopping. */
class LeaseLost extends Error {}

/** Claims the oldest queued job, or a running one whose runner stopped renewing its lease (it died). */
async function claimJob(pool: Pool, runnerId: string, leaseSeconds: number): Promise<ImportRow | undefined> {
  const { rows } = await pool.query<ImportRow>(
    `UPDATE catalog.imports SET state = 'running', lease_owner = $1, lease_until = now() + make_interval(secs => $2),
            attempts = attempts + 1, started_at = coalesce(started_at, now())
      WHERE id = (SELECT id FROM catalog.imports
                   WHERE state = 'queued' OR (state = 'running' AND lease_until < now())
                   ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING *`,
    [runnerId, leaseSeconds],
  );
  return rows[0];
}

function add(counts: RowCounts, outcome: BatchOutcome, read: number): void {
  counts.read += read;
  counts.accepted += outcome.accepted;
  counts.unchanged += outcome.unchanged;
  counts.rejected += outcome.rejections.length;
  counts.skipped += outcome.skipped;
}

/**
 * Runs one claimed job to its end. Batch mode: each batch commits with the
 * job's counts and `committed_line`, so a job taken over after a crash
 * resumes after the last committed batch. File mode: the whole file is one
 * transaction, committed only if no row was rejected; a crash rolls it back
 * and the job starts again. Rejected rows are recorded as they are found
 * (idempotently: a re-run reports the same lines).
 */
async function runJob(deps: ImportRunnerDeps, job: ImportRow, runnerId: string, stopping: () => boolean): Promise<void> {
  const { pool } = deps;
  const resumeAfter = job.mode === 'batch' ? job.committed_line : 0;
  const counts = job.mode === 'batch' ? countsOf(job) : zeroCounts();
  const ctx: BatchContext = { importId: job.id, ownerId: job.owner_id, actor: job.created_by, format: job.format, venues: new VenueCache() };
  const fileTx = job.mode === 'file' ? await pool.connect() : undefined;
  let lost = false;
  const heartbeat = setInterval(
    () => {
      pool
        .query(`UPDATE catalog.imports SET lease_until = now() + make_interval(secs => $3) WHERE id = $1 AND lease_owner = $2`, [
          job.id,
          runnerId,
          deps.leaseSeconds,
        ])
        .then((r) => void (lost ||= r.rowCount === 0))
        .catch(() => undefined);
    },
    Math.max(250, (deps.leaseSeconds * 1000) / 3),
  );

  /** Saves progress; in batch mode inside the batch's transaction, with the line it committed up to. */
  const saveProgress = async (db: Pool | Tx, line: number) => {
    if (lost) throw new LeaseLost();
    const { rowCount } = await db.query(
      `UPDATE catalog.imports SET rows_read = $3, rows_accepted = $4, rows_unchanged = $5, rows_rejected = $6, rows_skipped = $7, committed_line = $8
        WHERE id = $1 AND lease_owner = $2`,
      [job.id, runnerId, counts.read, counts.accepted, counts.unchanged, counts.rejected, counts.skipped, line],
    );
    if (rowCount === 0) throw new LeaseLost();
  };

  const finish = async (db: Pool | Tx, state: ImportState, error: string | null) => {
    await db.query(
      `UPDATE catalog.imports SET state = $3, error = $4, finished_at = now(), lease_owner = NULL, lease_until = NULL,
              rows_read = $5, rows_accepted = $6, rows_unchanged = $7, rows_rejected = $8, rows_skipped = $9
        WHERE id = $1 AND lease_owner = $2`,
      [job.id, runnerId, state, error, counts.read, counts.accepted, counts.unchanged, counts.rejected, counts.skipped],
    );
  };

  let batch: BatchRow[] = [];
  let invalid: Rejection[] = [];
  let lastLine = resumeAfter;
  /** The batch being written: the next one is parsed and validated meanwhile (one in flight keeps them in order). */
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    const read = batch.length + invalid.length;
    if (read === 0) return;
    const rows = batch;
    const rejected = invalid;
    const upTo = lastLine;
    batch = [];
    invalid = [];
    const run = async (tx: Tx) => {
      const outcome = await applyBatch(tx, ctx, rows, { write: rejected.length === 0 });
      outcome.rejections.push(...rejected);
      await recordRejections(pool, job.id, outcome.rejections);
      add(counts, outcome, read);
      await saveProgress(job.mode === 'batch' ? tx : pool, upTo);
    };
    await writing;
    writing = (fileTx ? run(fileTx) : withTransaction(pool, run, 1)).then(() => deps.onChanges());
    // Surfaces a failure at the next flush (or the final wait) without an unhandled rejection meanwhile.
    writing.catch(() => undefined);
  };

  try {
    if (fileTx) await fileTx.query('BEGIN');
    try {
      for await (const row of rowsOf(job.format, storedFile(pool, job.id), deps.validator, deps.maxLineBytes)) {
        if (stopping()) throw new LeaseLost('stopping');
        if (row.line <= resumeAfter) continue;
        lastLine = row.line;
        if ('record' in row) batch.push(row);
        else invalid.push({ line: row.line, field: row.field, reason: row.reason });
        if (batch.length + invalid.length >= job.batch_size) await flush();
      }
      await flush();
      await writing;
    } catch (error) {
      await writing.catch(() => undefined);
      if (!(error instanceof UnreadableFile)) throw error;
      if (fileTx) await fileTx.query('ROLLBACK');
      await finish(pool, 'failed', `${error.message}${job.mode === 'batch' ? ` (batches up to line ${lastLine} are imported)` : '; nothing was imported'}`);
      return;
    }
    if (fileTx) {
      if (counts.rejected > 0) {
        await fileTx.query('ROLLBACK');
        counts.skipped += counts.accepted + counts.unchanged;
        counts.accepted = 0;
        counts.unchanged = 0;
        await finish(pool, 'rejected', null);
      } else {
        await finish(fileTx, 'imported', null);
        await fileTx.query('COMMIT');
      }
    } else {
      const state = counts.rejected === 0 ? 'imported' : counts.accepted + counts.unchanged > 0 ? 'partially_imported' : 'rejected';
      await finish(pool, state, null);
    }
    deps.onChanges();
  } catch (error) {
    if (fileTx) await fileTx.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    clearInterval(heartbeat);
    fileTx?.release();
  }
}

/**
 * Every replica runs one: it takes queued jobs (and jobs of runners that
 * died) one at a time. A job that keeps failing on infrastructure errors is
 * retried after its lease; after 5 attempts it is marked failed.
 */
export function startImportRunner(deps: ImportRunnerDeps) {
  const runnerId = randomUUID();
  let stopped = false;
  let sweptAt = 0;
  const { sleep, wake } = wakeableSleep();
  const done = (async () => {
    while (!stopped) {
      let job: ImportRow | undefined;
      try {
        // Uploads cut off mid-way (a client gone, a process killed) are cleared after an hour, checked once a minute.
        if (Date.now() - sweptAt > 60_000) {
          sweptAt = Date.now();
          await deps.pool.query(`DELETE FROM catalog.imports WHERE state = 'uploading' AND created_at < now() - interval '1 hour'`);
        }
        job = await claimJob(deps.pool, runnerId, deps.leaseSeconds);
        if (job && job.attempts > 5) {
          await deps.pool.query(`UPDATE catalog.imports SET state = 'failed', error = 'gave up after 5 attempts', finished_at = now() WHERE id = $1`, [job.id]);
          continue;
        }
        if (job) await runJob(deps, job, runnerId, () => stopped);
      } catch (error) {
        // A stopping replica hands its job over at once instead of after the lease.
        if (job && stopped) {
          await deps.pool
            .query(`UPDATE catalog.imports SET lease_until = now() WHERE id = $1 AND lease_owner = $2 AND state = 'running'`, [job.id, runnerId])
            .catch(() => undefined);
        }
        if (!(error instanceof LeaseLost))
          deps.logger.warn('import job failed; it is retried after its lease', { importId: job?.id, error: (error as Error).message });
      }
      if (!job && !stopped) await sleep(deps.pollIntervalMs);
    }
  })();
  return {
    notify: wake,
    async stop() {
      stopped = true;
      wake();
      await done;
    },
  };
}
