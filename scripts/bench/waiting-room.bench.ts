/**
 * `npm run bench -- waiting-room`: how many arrivals per second the waiting
 * room absorbs with a p95 under 50 ms on this machine. The service runs as
 * its own process on 127.0.0.1 (as under `npm start`); autocannon sends
 * joins at fixed rates, each a new account (its own token) from its own
 * address (X-Forwarded-For, as behind the gateway), for a few seconds per
 * rate. Baseline, in the same run: the same rates on GET /healthz of the same
 * process (the HTTP stack alone). And the design question answered with
 * figures: the join as one Redis script against the same join (insert, then
 * the position as a count) in PostgreSQL, at the same concurrency.
 *
 * Uses TEST_DATABASE_URL / TEST_REDIS_URL when set, else starts its own
 * PostgreSQL and Redis under .local/bench/. Bounded: about a minute.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { createTestDatabase, testAuthEnv, testToken } from '@ticketing/platform/testing';
import { createBookingDefinition } from '@ticketing/booking/app';
import { migrateCatalogSchema, migrateSchemaOf, seedEvent, testPool } from '@ticketing/testing';
import { generateSigningKeySet } from '@ticketing/users/signing-keys';
import { waitingRoomDefinition } from '@ticketing/waiting-room';
import { createQueue } from '../../services/waiting-room/src/queue.js';
import { runMain } from '../local-stack/errors.js';
import { localDir, repoRoot } from '../local-stack/paths.js';
import { findFreePort } from '../local-stack/ports.js';
import { startPostgres } from '../local-stack/postgres.js';
import { startRedis } from '../local-stack/redis.js';
import { waitFor } from '../local-stack/waiting.js';
import { machineLine, writeBenchmarkSection } from './report.js';

const rates = [50, 100, 250, 500, 1000, 2000, 4000];
const secondsPerRate = 4;
const p95BudgetMs = 50;
const directJoins = 10_000;
const directConcurrency = 32;

interface Step {
  rate: number;
  sent: number;
  ok: number;
  p50: number;
  p95: number;
  achieved: number;
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/** Requests at `rate` per second for `secondsPerRate`, each built by `next`; latencies measured per response. */
async function atRate(
  url: string,
  rate: number,
  next: () => { method: 'GET' | 'POST'; path: string; headers: Record<string, string> },
  seconds = secondsPerRate,
): Promise<Step> {
  const latencies: number[] = [];
  let ok = 0;
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: Math.min(200, Math.max(10, Math.ceil(rate / 20))),
        overallRate: rate,
        duration: seconds,
        requests: [{ setupRequest: (request) => ({ ...request, ...next() }) }],
      },
      (error) => (error ? reject(error) : resolve()),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      if (statusCode >= 200 && statusCode < 300) ok += 1;
    });
  });
  latencies.sort((a, b) => a - b);
  return { rate, sent: latencies.length, ok, p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), achieved: latencies.length / seconds };
}

/** The highest rate whose p95 stayed in budget with every answer a success; the steps stop at the first miss. */
async function ladder(url: string, next: () => { method: 'GET' | 'POST'; path: string; headers: Record<string, string> }): Promise<Step[]> {
  // Warm-up, not measured: the first requests compile the code paths.
  await atRate(url, rates[0]!, next, 2);
  const steps: Step[] = [];
  for (const rate of rates) {
    const step = await atRate(url, rate, next);
    steps.push(step);
    process.stderr.write(`  ${rate}/s: p50 ${step.p50.toFixed(1)} ms, p95 ${step.p95.toFixed(1)} ms, ${step.ok}/${step.sent} ok\n`);
    if (step.p95 >= p95BudgetMs || step.ok < step.sent || step.achieved < rate * 0.9) break;
    await sleep(500);
  }
  return steps;
}

const absorbed = (steps: Step[]) => steps.filter((s) => s.p95 < p95BudgetMs && s.ok === s.sent && s.achieved >= s.rate * 0.9).at(-1);

/** `count` operations, `concurrency` at a time; per-operation latencies. */
async function concurrently(count: number, concurrency: number, operation: (i: number) => Promise<unknown>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await operation(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: count / seconds, p95: percentile(latencies, 0.95) };
}

runMain(async () => {
  const loadAtStart = loadavg()[0]!;
  const stops: (() => Promise<void>)[] = [];
  try {
    let databaseServer = process.env['TEST_DATABASE_URL'];
    let redisUrl = process.env['TEST_REDIS_URL'];
    const benchDir = join(localDir, 'bench', 'waiting-room');
    if (!databaseServer) {
      rmSync(join(benchDir, 'postgres'), { recursive: true, force: true });
      const postgres = await startPostgres({
        dataDir: join(benchDir, 'postgres'),
        port: await findFreePort(),
        fsync: false,
        log: (l) => process.stderr.write(`${l}\n`),
      });
      stops.push(() => postgres.stop());
      databaseServer = postgres.url;
    }
    if (!redisUrl) {
      const redis = await startRedis({ dataDir: join(benchDir, 'redis'), port: await findFreePort(), log: (l) => process.stderr.write(`${l}\n`) });
      stops.push(() => redis.stop());
      redisUrl = redis.url;
    }
    const db = await createTestDatabase('bench_wr', databaseServer);
    stops.push(() => db.drop());
    const pool = testPool(db.url, 40);
    stops.push(() => pool.end());
    await migrateCatalogSchema(pool);
    await migrateSchemaOf(pool, createBookingDefinition());
    await migrateSchemaOf(pool, waitingRoomDefinition);
    const event = await seedEvent(pool, { seats: 100 });
    const keyPrefix = `bench-wr-${randomUUID().slice(0, 8)}`;

    // The service as its own process, as `npm start` runs it.
    const port = await findFreePort();
    const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', 'services/waiting-room/src/main.ts'], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        PATH: process.env['PATH'],
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        DATABASE_URL: db.url,
        REDIS_URL: redisUrl,
        WAITING_ROOM_KEY_PREFIX: keyPrefix,
        WAITING_ROOM_SIGNING_KEYS: generateSigningKeySet(),
        QUEUE_PLACES_PER_IP: '5',
        ...testAuthEnv,
      },
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const stopService = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    };
    stops.push(stopService);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(`${url}/readyz`, { what: 'the waiting room to be ready', timeoutMs: 60_000, intervalMs: 200 });

    const organizer = testToken('bench-organizer', 'partner', { org: 'org-1' });
    const put = await fetch(`${url}/events/${event.eventId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${organizer}`, 'content-type': 'application/json' },
      // Before the onsale: every arrival is placed (at random), none admitted while measuring.
      body: JSON.stringify({ onsaleAt: new Date(Date.now() + 3_600_000).toISOString(), admissionPerMinute: 600, shoppingSeconds: 600, open: true }),
    });
    if (put.status !== 201) throw new Error(`setting up the room answered ${put.status}`);

    process.stderr.write('baseline: GET /healthz\n');
    const baseline = await ladder(url, () => ({ method: 'GET', path: '/healthz', headers: {} }));
    process.stderr.write('joins: POST /events/{eventId}/queue, each a new account\n');
    const tokens = Array.from({ length: rates.reduce((n, r) => n + r * secondsPerRate, 0) + rates[0]! * 2 + 1000 }, (_, i) =>
      testToken(`bench-buyer-${i}`, 'buyer'),
    );
    let arrival = 0;
    const joins = await ladder(url, () => {
      const i = arrival++;
      return {
        method: 'POST',
        path: `/events/${event.eventId}/queue`,
        headers: { authorization: `Bearer ${tokens[i % tokens.length]}`, 'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
      };
    });
    await stopService();

    // The store alone, same work per arrival: Redis (the join script) against PostgreSQL (insert, then the position as a count).
    process.stderr.write(`store: ${directJoins} joins, ${directConcurrency} at a time\n`);
    const queue = createQueue({ redisUrl, keyPrefix, placesPerIp: 5 });
    await queue.ready();
    const direct = `direct-${randomUUID()}`;
    await queue.applySettings(direct, {
      version: 1,
      onsaleAt: new Date(Date.now() - 1000),
      admissionPerMinute: 60,
      maxConcurrentShoppers: null,
      shoppingSeconds: 600,
      open: true,
      shuffleSeed: 'bench',
    });
    const redisStore = await concurrently(directJoins, directConcurrency, (i) => queue.join(direct, `a-${i}`, `10.0.${i >> 8}.${i & 255}`));
    await queue.removeRoom(direct);
    for await (const keys of queue.redis.scanStream({ match: `${keyPrefix}:*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await queue.redis.del(...keys);
    }
    await queue.close();
    await pool.query('CREATE TABLE bench_queue (account text PRIMARY KEY, ip text NOT NULL, seq bigserial UNIQUE)');
    const pgStore = await concurrently(directJoins, directConcurrency, async (i) => {
      await pool.query('INSERT INTO bench_queue (account, ip) VALUES ($1, $2) ON CONFLICT DO NOTHING', [`a-${i}`, `10.0.${i >> 8}.${i & 255}`]);
      await pool.query('SELECT count(*) FROM bench_queue WHERE seq < (SELECT seq FROM bench_queue WHERE account = $1)', [`a-${i}`]);
    });

    const best = absorbed(joins);
    const bestBaseline = absorbed(baseline);
    const row = (s: Step) => `| ${s.rate} | ${s.achieved.toFixed(0)} | ${s.p50.toFixed(1)} | ${s.p95.toFixed(1)} | ${s.ok} / ${s.sent} |`;
    const table = (steps: Step[]) =>
      ['| offered /s | answered /s | p50 ms | p95 ms | 2xx / answered |', '|---:|---:|---:|---:|---|', ...steps.map(row)].join('\n');
    writeBenchmarkSection(
      'waiting-room',
      [
        '## Waiting room',
        '',
        `${machineLine()} · load average ${loadAtStart.toFixed(1)} at the start (other work on the machine inflates latencies)`,
        '',
        `Arrivals the waiting room absorbs with p95 under ${p95BudgetMs} ms: **${best ? `${best.rate}/s` : `none of the rates (lowest ${rates[0]}/s)`}**` +
          (best && bestBaseline
            ? ` (${((best.rate / bestBaseline.rate) * 100).toFixed(0)} % of the ${bestBaseline.rate}/s the same process answers GET /healthz at)`
            : '') +
          `. One process (\`services/waiting-room/src/main.ts\`) on 127.0.0.1; autocannon offers each rate for ${secondsPerRate} s; every join is a new account with its own token and address; the ladder stops at the first rate over budget. \`scripts/bench/waiting-room.bench.ts\`.`,
        '',
        '**Joins** (`POST /events/{eventId}/queue`: token check, one Redis script, the view):',
        '',
        table(joins),
        '',
        '**Baseline** (`GET /healthz` of the same process):',
        '',
        table(baseline),
        '',
        `**The store alone**, ${directJoins} joins, ${directConcurrency} at a time, the same work per arrival:`,
        '',
        '| store | joins /s | p95 ms |',
        '|---|---:|---:|',
        `| Redis: one script (join + position) | ${redisStore.perSecond.toFixed(0)} | ${redisStore.p95.toFixed(2)} |`,
        `| PostgreSQL: insert, then the position as a count | ${pgStore.perSecond.toFixed(0)} | ${pgStore.p95.toFixed(2)} |`,
        '',
        `Redis: ${(redisStore.perSecond / pgStore.perSecond).toFixed(1)} × the joins per second of PostgreSQL — why the queue lives in Redis (and the settings, which must survive, in PostgreSQL).`,
      ].join('\n'),
    );
    process.stderr.write('wrote the waiting-room section of docs/benchmarks.md\n');
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
});
