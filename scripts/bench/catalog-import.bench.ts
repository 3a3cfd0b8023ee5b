/**
 * Catalog import vs PostgreSQL COPY: a 100,000-showtime CSV imported through
 * POST /imports (streamed, validated row by row, written in batches), against
 * `\copy` of the same rows into the same tables by psql, in the same run on
 * the same database server. Then the import's memory at two file sizes: the
 * peak RSS while importing should not grow with the file.
 *
 * Needs a PostgreSQL server the tests use (TEST_DATABASE_URL, a superuser URL)
 * and psql on PATH.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { catalogService } from '@ticketing/catalog/service';
import { createTestDatabase, http, testToken } from '@ticketing/platform/testing';
import { smallVenue, spawnServiceChild, testServiceEnv, type ServiceChild } from '@ticketing/testing';
import pg from 'pg';
import { showtimeRow, showtimesCsv, startOf } from '../../services/catalog/test/import-files.js';
import { machineLine, writeBenchmarkSection } from './report.js';

const rows = 100_000;
const dir = mkdtempSync(join(tmpdir(), 'catalog-import-bench-'));
const db = await createTestDatabase('bench_import');
const pool = new pg.Pool({ connectionString: db.url, max: 2 });

async function writeFile(name: string, chunks: Iterable<string>): Promise<string> {
  const path = join(dir, name);
  const out = createWriteStream(path);
  for (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  return path;
}

/** A catalog process of its own, so its memory is the import's alone. */
const startCatalog = () => spawnServiceChild(catalogService, testServiceEnv(db.url, { LOG_LEVEL: 'error', IMPORT_POLL_INTERVAL_MS: '50' }));

/** Imports `path` through `service`; returns the seconds from the first byte sent until the job reported `imported`. */
async function importFile(service: ServiceChild, path: string, token: string): Promise<{ seconds: number; accepted: number }> {
  const started = performance.now();
  const res = await fetch(`${service.url}/imports?mode=batch&batchSize=1000`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    body: createReadStream(path) as never,
    duplex: 'half',
  } as RequestInit);
  const job = (await res.json()) as { id: string };
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${JSON.stringify(job)}`);
  for (;;) {
    const state = await http(service.url, 'GET', `/imports/${job.id}`, { token });
    if (!['queued', 'running'].includes(state.body.state)) {
      if (state.body.state !== 'imported') throw new Error(`import ended ${JSON.stringify(state.body)}`);
      return { seconds: (performance.now() - started) / 1000, accepted: state.body.rows.accepted };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function venueOf(service: ServiceChild, token: string): Promise<string> {
  const res = await http(service.url, 'POST', '/venues', { token, body: smallVenue() });
  return res.body.id as string;
}

/** Imports `size` showtimes for a new organization in a fresh catalog process: time and memory. */
async function measuredImport(size: number) {
  const service = await startCatalog();
  try {
    const token = testToken(`bench-${size}`, 'partner', { org: `org-import-${size}` });
    const path = await writeFile(`showtimes-${size}.csv`, showtimesCsv(await venueOf(service, token), size, { valid: true }));
    const rssBefore = service.rssMiB();
    const run = await importFile(service, path, token);
    if (run.accepted !== size) throw new Error(`imported ${run.accepted} of ${size}`);
    return { size, bytes: statSync(path).size, rssBefore, peak: service.peakRssMiB(), seconds: run.seconds, rowsPerSecond: size / run.seconds };
  } finally {
    await service.kill('SIGTERM');
  }
}

/** psql `\copy` of the same rows (events, then their price tiers) for organization `org`; returns the seconds it took. */
async function copyRows(org: string): Promise<number> {
  const venueId = (await pool.query(`SELECT id FROM catalog.venues LIMIT 1`)).rows[0].id as string;
  const ids = Array.from({ length: rows }, () => randomUUID());
  const eventsCsv = await writeFile(
    `events.${org}.csv`,
    (function* () {
      for (let i = 0; i < rows; i++) {
        const [key, , title, description, startsAt, endsAt] = showtimeRow(venueId, i).match(/("[^"]*"|[^,]+)/g)!;
        yield `${ids[i]},${venueId},${org},${title},${description},${startsAt},${endsAt},on_sale,${key}\n`;
      }
    })(),
  );
  const tiersCsv = await writeFile(
    `tiers.${org}.csv`,
    (function* () {
      for (let i = 0; i < rows; i++) yield `${ids[i]},vip,9000,EUR\n${ids[i]},standard,5000,EUR\n${ids[i]},floor,3000,EUR\n`;
    })(),
  );
  const started = performance.now();
  execFileSync('psql', [
    db.url,
    '-v',
    'ON_ERROR_STOP=1',
    '-q',
    '-c',
    `\\copy catalog.events (id, venue_id, owner_id, title, description, starts_at, ends_at, status, external_key) FROM '${eventsCsv}' CSV`,
    '-c',
    `\\copy catalog.price_tiers (event_id, category, price_cents, currency) FROM '${tiersCsv}' CSV`,
  ]);
  const seconds = (performance.now() - started) / 1000;
  const copied = Number((await pool.query(`SELECT count(*) AS n FROM catalog.events WHERE owner_id = $1`, [org])).rows[0].n);
  if (copied !== rows) throw new Error(`copied ${copied} of ${rows}`);
  return seconds;
}

try {
  // The machine may be shared: COPY runs right before and right after the import, and the two are averaged.
  const loadBefore = loadavg()[0]!;
  const venueService = await startCatalog();
  await venueOf(venueService, testToken('bench-copier', 'partner', { org: 'org-copy' }));
  await venueService.kill('SIGTERM');
  const copyBefore = await copyRows('org-copy-before');
  const imported = await measuredImport(rows);
  const copyAfter = await copyRows('org-copy-after');
  const copySeconds = (copyBefore + copyAfter) / 2;
  // A quarter of the file, for memory against size.
  const memory = [await measuredImport(rows / 4), imported];
  const loadAfter = loadavg()[0]!;

  const importRate = rows / imported.seconds;
  const copyRate = rows / copySeconds;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const markdown = [
    '## Catalog import (`catalog-import`)',
    '',
    `A CSV of ${fmt(rows)} showtimes (3 price tiers each) imported through \`POST /imports\` (streamed upload, stored, then a job ` +
      'that parses, validates every row and writes batches of 1,000), from the first byte sent until the job reports `imported`; ' +
      `against psql \`\\copy\` of the same ${fmt(rows)} events and ${fmt(rows * 3)} price tiers into the same tables on the same server. ` +
      `Last day of the showtimes: ${startOf(rows - 1)
        .toISOString()
        .slice(0, 10)}.`,
    '',
    '| | rows/s | seconds |',
    '|---|---:|---:|',
    `| import (POST /imports, batch mode) | ${fmt(importRate)} | ${imported.seconds.toFixed(1)} |`,
    `| PostgreSQL COPY (psql \\copy; mean of one run before and one after the import) | ${fmt(copyRate)} | ${copySeconds.toFixed(1)} (${copyBefore.toFixed(1)}, ${copyAfter.toFixed(1)}) |`,
    `| **import / COPY** | **${(importRate / copyRate).toFixed(2)}×** | |`,
    '',
    'Memory against file size: each import in a fresh catalog process; its resident memory once ready (venue created, file ' +
      'not yet sent) and its peak (VmHWM) by the end of the import.',
    '',
    '| showtimes | file | RSS before | peak RSS | rows/s |',
    '|---:|---:|---:|---:|---:|',
    ...memory.map(
      (m) => `| ${fmt(m.size)} | ${(m.bytes / 2 ** 20).toFixed(1)} MiB | ${m.rssBefore.toFixed(0)} MiB | ${m.peak.toFixed(0)} MiB | ${fmt(m.rowsPerSecond)} |`,
    ),
    '',
    `${machineLine()} · load average ${loadBefore.toFixed(1)} at the start, ${loadAfter.toFixed(1)} at the end`,
  ].join('\n');
  writeBenchmarkSection('catalog-import', markdown);
  process.stdout.write(markdown + '\n');
} finally {
  await pool.end();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
}
