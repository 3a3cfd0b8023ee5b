import { useLocation } from 'preact-iso';
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Field } from '../components/form.js';
import { Notice } from '../components/notice.js';
import { Page } from '../components/page.js';
import type { ImportJob, ImportRejection, ImportState } from '../types.js';
import { useSubmit } from '../use-submit.js';

const pollMs = 1_000;
const finished: readonly ImportState[] = ['imported', 'partially_imported', 'rejected', 'failed'];
const stateNames: Record<ImportState, string> = {
  queued: 'Waiting to start',
  running: 'Importing',
  imported: 'Imported',
  partially_imported: 'Partly imported (batches with rejected rows were left out)',
  rejected: 'Nothing imported: some rows were rejected',
  failed: 'Failed',
};

/** The file's media type as the import API names it, from its extension first (browsers often leave .jsonl untyped). */
function mediaTypeOf(file: File): string {
  const name = file.name.toLowerCase();
  if (name.endsWith('.csv')) return 'text/csv';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return 'application/x-ndjson';
  return file.type || 'application/octet-stream';
}

/** Upload a CSV or JSON Lines file of venues and showtimes, then follow the import job to its end. */
export default function Imports() {
  const { query, route } = useLocation();
  const importId = query['id'];
  const [mode, setMode] = useState<'file' | 'batch'>('file');
  const { busy, error, submit } = useSubmit();

  const upload = submit(async (form) => {
    const file = form.get('file');
    if (!(file instanceof File) || file.size === 0) throw new ApiError(0, 'empty-file', 'Please choose a file that is not empty.');
    const params = new URLSearchParams({ importId: crypto.randomUUID(), mode });
    if (mode === 'batch') params.set('batchSize', String(form.get('batchSize') ?? '1000'));
    const job = await api<ImportJob>(`/catalog/imports?${params}`, { method: 'POST', file: { content: file, type: mediaTypeOf(file) } });
    route(`/organizer/imports?id=${job.id}`);
  });

  return (
    <Page title="Import events" wide>
      <p>
        <a href="/organizer">Back to my events</a>
      </p>
      {importId ? (
        <>
          <ImportProgress key={importId} importId={importId} />
          <p>
            <a class="button secondary-link" href="/organizer/imports">
              Import another file
            </a>
          </p>
        </>
      ) : (
        <form class="narrow-form" onSubmit={(e) => void upload(e)}>
          <p>
            A CSV file of showtimes, or a JSON Lines file of venues and events, in the formats of the catalog documentation. Re-uploading a file changes nothing
            that is already imported.
          </p>
          <div class="field">
            <label for="import-file">File (.csv or .jsonl)</label>
            <input id="import-file" name="file" type="file" accept=".csv,.jsonl,.ndjson,text/csv,application/x-ndjson" required />
          </div>
          <fieldset>
            <legend>If a row is rejected</legend>
            <div class="radio">
              <input type="radio" id="mode-file" name="mode" value="file" checked={mode === 'file'} onChange={() => setMode('file')} />
              <label for="mode-file">Import nothing from the file</label>
            </div>
            <div class="radio">
              <input type="radio" id="mode-batch" name="mode" value="batch" checked={mode === 'batch'} onChange={() => setMode('batch')} />
              <label for="mode-batch">Leave out only the batch it is in</label>
            </div>
            {mode === 'batch' && <Field id="batchSize" label="Rows per batch" type="number" min={1} max={10_000} step={1} defaultValue="1000" required />}
          </fieldset>
          {error && <Notice kind="error">{error.message}</Notice>}
          <button type="submit" disabled={busy}>
            {busy ? 'Uploading…' : 'Upload and import'}
          </button>
        </form>
      )}
    </Page>
  );
}

/** The job's counts, polled until it finishes; then its rejected rows. */
function ImportProgress({ importId }: { importId: string }) {
  const [job, setJob] = useState<ImportJob>();
  const [rejections, setRejections] = useState<ImportRejection[]>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await api<ImportJob>(`/catalog/imports/${importId}`, { signal: abort.signal });
        setJob(next);
        setError(undefined);
        if (finished.includes(next.state)) {
          setRejections(next.rows.rejected > 0 ? await allRejections(importId, abort.signal) : []);
          return;
        }
      } catch (failure) {
        if (abort.signal.aborted) return;
        setError(failure instanceof ApiError ? failure.message : 'Something went wrong. Retrying…');
        if (failure instanceof ApiError && failure.status === 404) return;
      }
      timer = setTimeout(() => void poll(), pollMs);
    };
    void poll();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [importId]);

  if (!job) return error ? <Notice kind="error">{error}</Notice> : <p role="status">Loading the import…</p>;
  const done = finished.includes(job.state);
  const counts: [string, number][] = [
    ['Rows read', job.rows.read],
    ['Accepted', job.rows.accepted],
    ['Unchanged', job.rows.unchanged],
    ['Rejected', job.rows.rejected],
    ['Skipped (left out with a rejected row)', job.rows.skipped],
  ];
  return (
    <>
      <h2>Progress</h2>
      {/* Only the state is announced, not every count as it ticks. */}
      <p role="status" data-testid="import-state">
        <strong>{stateNames[job.state]}</strong>
        {done ? '.' : '…'}
      </p>
      {error && <Notice kind="error">{error}</Notice>}
      {job.error && <Notice kind="error">{job.error}</Notice>}
      <dl class="booking-summary import-counts">
        {counts.map(([label, value]) => (
          <Fragment key={label}>
            <dt>{label}</dt>
            <dd>{value.toLocaleString()}</dd>
          </Fragment>
        ))}
      </dl>
      {rejections && rejections.length > 0 && (
        <>
          <h2>Rejected rows</h2>
          <div class="table-scroll" tabIndex={0} role="region" aria-label="Rejected rows">
            <table>
              <thead>
                <tr>
                  <th scope="col" class="number">
                    Line
                  </th>
                  <th scope="col">Field</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {rejections.map((r) => (
                  <tr key={`${r.line}-${r.field}`}>
                    <td class="number">{r.line}</td>
                    <td>{r.field}</td>
                    <td>{r.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}

/** Every rejected row, page by page (a file may have many). */
async function allRejections(importId: string, signal: AbortSignal): Promise<ImportRejection[]> {
  const out: ImportRejection[] = [];
  let after = 0;
  for (;;) {
    const page = await api<{ items: ImportRejection[]; nextAfter: number | null }>(`/catalog/imports/${importId}/rejections?limit=500&after=${after}`, {
      signal,
    });
    out.push(...page.items);
    if (page.nextAfter === null || out.length >= 10_000) return out;
    after = page.nextAfter;
  }
}
