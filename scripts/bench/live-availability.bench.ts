/**
 * What the server pays to keep seat maps current: N viewers of one event
 * following its availability by Server-Sent Events, against the same viewers
 * polling GET /events/{eventId}/availability every second and revalidating
 * with the ETag (an unchanged answer is a 304 with no body). Measured on a
 * booking service in its own process (its CPU from /proc), while a writer
 * holds seats at a steady rate, and while nothing changes at all.
 *
 * PostgreSQL: TEST_DATABASE_URL when set (e.g. the test servers), else a
 * throwaway cluster under .local/bench/. Kafka: TEST_KAFKA_BROKERS when set (a
 * fresh topic, so the outbox drains and adds no noise), else none (the relay
 * then retries in the background, which blurs the database figures a little).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { createBookingDefinition } from '@ticketing/booking/app';
import { bookingService } from '@ticketing/booking/service';
import {
  bookingEnv,
  createTestDatabase,
  createTestTopic,
  findFreePort,
  migrateSchemasBookingReads,
  migrateSchemaOf,
  openEventStream,
  seedEvent,
  testPool,
  testToken,
  type OpenEventStream,
} from '@ticketing/testing';
import { localDir, repoRoot } from '../local-stack/paths.js';
import { startPostgres } from '../local-stack/postgres.js';
import { waitFor } from '../local-stack/waiting.js';
import { machineLine, writeBenchmarkSection } from './report.js';

const viewers = Number(process.env.BENCH_VIEWERS ?? 100);
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const changesPerSecond = 4;
/** Every stream's replica reads again at this interval (its declared default, which this benchmark runs with). */
const streamIntervalSetting = bookingService.env.find((setting) => setting.name === 'AVAILABILITY_STREAM_INTERVAL_MS');
const streamIntervalMs = streamIntervalSetting && 'default' in streamIntervalSetting ? streamIntervalSetting.default : undefined;
const pollMs = 1_000;
const seatsPerEvent = 300;
const clockTicksPerSecond = 100; // Linux USER_HZ

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}

interface Measured {
  cpu: number;
  requests: number;
  notModified: number;
  bytes: number;
  transactions: number;
  /** Milliseconds from a hold's answer until viewer 0 saw the seat taken. */
  delays: number[];
}

async function main(): Promise<void> {
  const own = process.env.TEST_DATABASE_URL
    ? undefined
    : await startPostgres({ dataDir: join(localDir, 'bench', 'postgres'), port: await findFreePort(), fsync: false });
  const db = await createTestDatabase('bench_live', process.env.TEST_DATABASE_URL ?? own!.url);
  const pool = testPool(db.url);
  let booking: ChildProcess | undefined;
  try {
    await migrateSchemasBookingReads(pool);
    await migrateSchemaOf(pool, createBookingDefinition());
    const port = await findFreePort();
    const kafka = process.env.TEST_KAFKA_BROKERS;
    const topic: Record<string, string> = kafka ? { KAFKA_TOPIC_BOOKINGS: await createTestTopic(kafka, 'bench-bookings', 1) } : {};
    booking = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', 'services/booking/src/main.ts'], {
      cwd: repoRoot,
      env: { ...process.env, ...bookingEnv(db.url, { DATABASE_MIGRATE: 'false', PORT: String(port), LOG_LEVEL: 'error', ...topic }) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(`${url}/readyz`, { what: 'the booking process', timeoutMs: 60_000 });
    const pid = booking.pid!;

    const transactions = async () =>
      Number((await pool.query<{ n: string }>('SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()')).rows[0]!.n);

    /** Runs one scenario on a fresh event: `watch` keeps viewers current; the writer holds seats when `changing`. */
    async function scenario(mode: 'none' | 'stream' | 'poll', changing: boolean): Promise<Measured> {
      const event = await seedEvent(pool, { seats: seatsPerEvent, gaCapacity: 50 });
      // Warm the event's inventory (first read copies it) outside the measurement.
      await request(`${url}/events/${event.eventId}/availability`).then((r) => r.body.dump());
      const measured: Measured = { cpu: 0, requests: 0, notModified: 0, bytes: 0, transactions: 0, delays: [] };
      const stop = new AbortController();
      const takenAt = new Map<string, number>();
      const seen = new Set<string>();
      const noteSeen = (seatId: string) => {
        const at = takenAt.get(seatId);
        if (at !== undefined && !seen.has(seatId)) {
          seen.add(seatId);
          measured.delays.push(Date.now() - at);
        }
      };

      let streams: OpenEventStream[] = [];
      const pollers: Promise<void>[] = [];
      if (mode === 'stream') {
        streams = await Promise.all(Array.from({ length: viewers }, () => openEventStream(`${url}/events/${event.eventId}/availability/stream`)));
        await Promise.all(streams.map((s) => s.next((e) => e.event === 'snapshot')));
      }
      const startBytes = streams.reduce((n, s) => n + s.bytes(), 0);
      const startCpu = cpuSeconds(pid);
      const startTx = await transactions();
      const startedAt = Date.now();
      if (mode === 'poll') {
        for (let v = 0; v < viewers; v++) {
          pollers.push(
            (async () => {
              let etag: string | undefined;
              // Spread over the second, as independent browsers would be.
              await sleep(Math.random() * pollMs);
              while (!stop.signal.aborted) {
                const res = await request(`${url}/events/${event.eventId}/availability`, { headers: etag ? { 'if-none-match': etag } : {} });
                const body = await res.body.text();
                measured.requests += 1;
                measured.bytes += Buffer.byteLength(body) + Object.entries(res.headers).reduce((n, [k, val]) => n + k.length + String(val).length + 4, 0);
                if (res.statusCode === 304) measured.notModified += 1;
                else {
                  etag = String(res.headers.etag ?? '');
                  if (v === 0)
                    for (const s of (JSON.parse(body) as { seats: { seatId: string; status: string }[] }).seats)
                      if (s.status !== 'available') noteSeen(s.seatId);
                }
                await sleep(pollMs);
              }
            })(),
          );
        }
      }
      const watcher = streams[0];
      const followStream = watcher
        ? setInterval(() => {
            for (const e of watcher.events) if (e.event === 'changes') for (const s of e.data.seats as { seatId: string }[]) noteSeen(s.seatId);
          }, 5)
        : undefined;

      let next = 0;
      while (Date.now() - startedAt < seconds * 1000) {
        if (changing) {
          const seatId = event.seatIds[next++]!;
          const res = await request(`${url}/holds`, {
            method: 'POST',
            headers: { authorization: `Bearer ${testToken(`bench-${next}`, 'buyer')}`, 'content-type': 'application/json' },
            body: JSON.stringify({ eventId: event.eventId, seatIds: [seatId] }),
          });
          await res.body.dump();
          takenAt.set(seatId, Date.now());
        }
        await sleep(1000 / changesPerSecond);
      }
      await sleep(1_200); // the last changes reach everyone
      stop.abort();
      clearInterval(followStream);
      await Promise.all(pollers);
      const elapsed = (Date.now() - startedAt) / 1000;
      measured.cpu = (cpuSeconds(pid) - startCpu) / elapsed;
      measured.transactions = ((await transactions()) - startTx) / elapsed;
      if (mode === 'stream') {
        measured.bytes = streams.reduce((n, s) => n + s.bytes(), 0) - startBytes;
        for (const s of streams) s.close();
      }
      measured.bytes /= elapsed;
      measured.requests /= elapsed;
      measured.notModified /= elapsed;
      await sleep(500);
      return measured;
    }

    process.stderr.write(`${viewers} viewers, ${seconds} s per scenario, ${changesPerSecond} holds/s while changing…\n`);
    // Each measured scenario next to its baseline, so slow drifts of the machine cancel out.
    const baseline = await scenario('none', true);
    const stream = await scenario('stream', true);
    const poll = await scenario('poll', true);
    const quietBaseline = await scenario('none', false);
    const streamIdle = await scenario('stream', false);
    const pollIdle = await scenario('poll', false);

    const ms = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted.length ? `${sorted[Math.floor(sorted.length / 2)]} ms / ${sorted[Math.floor(sorted.length * 0.95)]} ms` : '–';
    };
    const row = (what: string, m: Measured, base: Measured) =>
      `| ${what} | ${m.cpu - base.cpu < 0.002 ? '< 2' : ((m.cpu - base.cpu) * 1000).toFixed(0)} ms/s | ${m.requests.toFixed(1)} (${m.notModified.toFixed(1)} × 304) | ${(m.bytes / 1024).toFixed(1)} KiB/s | ${Math.max(0, m.transactions - base.transactions).toFixed(1)} | ${ms(m.delays)} |`;
    const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}×` : 'n/a');
    const cpuMs = (m: Measured, base: Measured) => Math.max(0, (m.cpu - base.cpu) * 1000);
    const cpuComparison =
      cpuMs(stream, baseline) < 2
        ? `polling costs the server ${cpuMs(poll, baseline).toFixed(0)} ms of CPU a second and the stream less than this can tell apart from the writer's own (< 2 ms/s),`
        : `polling costs the server ${ratio(cpuMs(poll, baseline), cpuMs(stream, baseline))} the CPU of the stream,`;
    const markdown = `## Live availability: Server-Sent Events vs polling with ETag/304

${viewers} viewers of one event (${seatsPerEvent} seats) on one booking process, ${seconds} s per scenario;
"changing": a writer holds ${changesPerSecond} seats a second. Polling asks every ${pollMs / 1000} s with
\`If-None-Match\` (the answer is a 304 without body when nothing changed). Server CPU and database
transactions are the booking process's above the same writer with no viewers; delay is from a
hold's answer until a viewer saw the seat taken (median / 95th percentile). Source:
\`scripts/bench/live-availability.bench.ts\` (\`npm run bench -- live-availability\`; \`BENCH_VIEWERS\`, \`BENCH_SECONDS\`).

| viewers follow by | server CPU | requests/s | sent to viewers | DB transactions/s | change → viewer |
| --- | --- | --- | --- | --- | --- |
${row('events stream, changing', stream, baseline)}
${row('polling 1 s + ETag, changing', poll, baseline)}
${row('events stream, idle', streamIdle, quietBaseline)}
${row('polling 1 s + ETag, idle', pollIdle, quietBaseline)}

While seats change, ${cpuComparison} sends ${ratio(poll.bytes, stream.bytes)} the bytes (every changed answer is the whole seat map, the stream sends the
changed seats), and its viewers see a change later: each asks again ${pollMs / 1000} s after its previous answer (as the
UI does), so a change waits up to that plus an answer's time (${poll.requests.toFixed(0)} requests a second from ${viewers} viewers here). Idle, a 304 is cheap, but
${viewers} viewers still make ${pollIdle.requests.toFixed(0)} requests a second, where the stream costs
heartbeats and its replica's reads. Each replica reads the availability of each event it streams once per interval
(\`AVAILABILITY_STREAM_INTERVAL_MS\`, ${streamIntervalMs} ms: one statement while the seat layout is unchanged), whatever the number of viewers and of changes.

${machineLine()}
`;
    writeBenchmarkSection('live-availability', markdown);
    process.stdout.write(markdown);
  } finally {
    booking?.kill('SIGTERM');
    await pool.end();
    await db.drop();
    await own?.stop();
    if (own) rmSync(join(localDir, 'bench', 'postgres'), { recursive: true, force: true });
  }
}

await main();
