/**
 * `npm run bench -- booking`: seat bookings through the HTTP API (hold one
 * seat, pay it) with 8, 16 and 32 buyers at a time, each for a few seconds:
 * confirmed bookings/s, p95 of a whole booking, the CPU this process (booking
 * and catalog in-process) spends per booking, and the statements booking
 * sends per booking — against pgbench replaying the statements of one
 * recorded booking with the same number of clients (statement-replay.ts).
 * A PNG of both throughput/latency curves.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrateSchemaOf, seedEvent } from '@ticketing/testing';
import { waitingRoomDefinition } from '@ticketing/waiting-room/app';
import { StackError, runMain } from '../local-stack/errors.js';
import { repoRoot } from '../local-stack/paths.js';
import {
  countStatements,
  lineChartPng,
  log,
  measureWhereTimeGoes,
  n,
  percentile,
  postJson,
  runPgbench,
  startBenchServices,
  topWaits,
  type WhereTimeGoes,
} from './lib.js';
import { machineLine, writeBenchmarkSection } from './report.js';
import { pgbenchReplay, recordStatements } from './statement-replay.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const levels = (process.env.BENCH_CLIENTS ?? '8,16,32').split(',').map(Number);

runMain(async () => {
  const counter = countStatements();
  const local = await startBenchServices({ DATABASE_POOL_MAX: '40' });
  try {
    // As in production, where the waiting room's schema exists: every hold asks it whether the event has a room.
    await migrateSchemaOf(local.pool, waitingRoomDefinition);
    const event = await seedEvent(local.pool, { seats: 60_000 });
    // The first read copies the event's inventory from the catalog: not part of any booking.
    await fetch(`${local.bookingUrl}/events/${event.eventId}/availability?format=compact`).then((r) => r.arrayBuffer());
    let nextSeat = 0;
    const post = (path: string, token: string, body: unknown) => postJson(`${local.bookingUrl}${path}`, token, body);
    const book = async (token: string): Promise<void> => {
      const seat = event.seatIds[nextSeat++];
      if (!seat) throw new StackError('ran out of seats: lower BENCH_SECONDS');
      const hold = await post('/holds', token, { eventId: event.eventId, seatIds: [seat] });
      if (hold.status !== 201) throw new StackError(`hold answered ${hold.status}: ${JSON.stringify(hold.body)}`);
      const paid = await post(`/holds/${hold.body.id}/checkout`, token, { paymentMethod: 'pm_card_approved' });
      if (paid.status !== 201) throw new StackError(`checkout answered ${paid.status}: ${JSON.stringify(paid.body)}`);
    };

    // One booking recorded, after a warm-up (so every named statement is prepared and nothing is copied any more).
    const recorder = local.mintToken({ sub: 'bench-recorded', role: 'buyer' }, 3600);
    await book(recorder);
    const recordedSeat = event.seatIds[nextSeat]!;
    const recorded = await recordStatements(() => book(recorder));

    const database = new URL(local.databaseUrl).pathname.slice(1);
    const api: { clients: number; rate: number; p50: number; p95: number; cpuMs: number; statements: number; limits: WhereTimeGoes }[] = [];
    for (const clients of levels) {
      log(`API: ${clients} buyers for ${seconds} s…`);
      const latencies: number[] = [];
      const deadline = performance.now() + seconds * 1000;
      const cpuBefore = process.cpuUsage();
      const statementsBefore = counter.count();
      const measuring = measureWhereTimeGoes(local.pool, database);
      const started = performance.now();
      await Promise.all(
        Array.from({ length: clients }, async (_, b) => {
          const token = local.mintToken({ sub: `bench-booking-${clients}-${b}`, role: 'buyer' }, 3600);
          while (performance.now() < deadline) {
            const t0 = performance.now();
            await book(token);
            latencies.push(performance.now() - t0);
          }
        }),
      );
      const elapsed = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      const limits = await measuring.stop();
      latencies.sort((a, b) => a - b);
      api.push({
        clients,
        rate: latencies.length / elapsed,
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        cpuMs: (cpu.user + cpu.system) / 1000 / latencies.length,
        statements: (counter.count() - statementsBefore) / latencies.length,
        limits,
      });
    }

    // pgbench books the seats the API left, one per transaction, in the same order.
    await local.pool.query(`CREATE TABLE bench_seats (n bigint PRIMARY KEY, seat_id uuid NOT NULL)`);
    await local.pool.query(`CREATE SEQUENCE bench_seat_sequence`);
    await local.pool.query(`INSERT INTO bench_seats SELECT ordinality, seat FROM unnest($1::uuid[]) WITH ORDINALITY AS t (seat, ordinality)`, [
      event.seatIds.slice(nextSeat),
    ]);
    const replay = pgbenchReplay(recorded, { seatId: recordedSeat, eventId: event.eventId, seatTable: 'bench_seats', seatSequence: 'bench_seat_sequence' });
    const baseline: { tps: number; p50: number; p95: number; limits: WhereTimeGoes }[] = [];
    for (const clients of levels) {
      log(`pgbench: ${clients} clients for ${seconds} s…`);
      const measuring = measureWhereTimeGoes(local.pool, database);
      const run = await runPgbench({ databaseUrl: local.databaseUrl, script: replay.script, defines: replay.defines, clients, seconds, prepared: true });
      baseline.push({ tps: run.tps, p50: run.p50Ms, p95: run.p95Ms, limits: await measuring.stop() });
    }
    const sold = await local.pool.query<{ count: string }>(`SELECT count(*) FROM booking.seat_inventory WHERE event_id = $1 AND status = 'sold'`, [
      event.eventId,
    ]);

    writeFileSync(
      join(repoRoot, 'docs', 'benchmarks', 'booking.png'),
      lineChartPng({
        title: 'Seat booking (hold + checkout): throughput vs p95',
        xLabel: 'confirmed bookings per second',
        yLabel: 'p95 of a booking (ms)',
        series: [
          { name: 'HTTP API', color: '#1f77b4', points: api.map((r) => ({ x: r.rate, y: r.p95 })) },
          { name: 'pgbench, same statements', color: '#ff7f0e', points: baseline.map((r) => ({ x: r.tps, y: r.p95 })) },
        ],
      }),
    );
    const rows = api.map((r, i) => {
      const b = baseline[i]!;
      return `| ${r.clients} | ${n(r.rate)} | ${n(r.p50, 1)} | ${n(r.p95, 1)} | ${n(r.cpuMs, 1)} | ${n(r.statements, 1)} | ${n(b.tps)} | ${n(b.p95, 1)} | **${n(r.rate / b.tps, 2)}** |`;
    });
    const cpu = (l: WhereTimeGoes) => `${n(l.cpuPercent.node)} / ${n(l.cpuPercent.postgres)} / ${n(l.cpuPercent.other)} / ${n(l.cpuPercent.idle)}`;
    const limitRows = api.flatMap((r, i) => [
      `| API | ${r.clients} | ${cpu(r.limits)} | ${topWaits(r.limits.waits)} |`,
      `| pgbench | ${r.clients} | ${cpu(baseline[i]!.limits)} | ${topWaits(baseline[i]!.limits.waits)} |`,
    ]);
    writeBenchmarkSection(
      'booking',
      `## Seat booking through the API

\`npm run bench -- booking\` · ${machineLine()} · each row: that many buyers booking one seat each (hold, then pay), back to back, for ${seconds} s; catalog and booking in this process (CPU is the whole process's); then pgbench with as many clients.

| buyers | bookings/s | p50 ms | p95 ms | CPU ms per booking | statements per booking | pgbench bookings/s | pgbench p95 ms | API / pgbench |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

- The baseline is booking's own SQL: the ${replay.statements} statements one booking sent through the API (recorded from this process's database clients, BEGIN and COMMIT included; the relays' background statements left out), replayed by pgbench with the same texts, prepared, one booking per pgbench transaction. Each transaction first draws its seat and new ids in one extra statement (\`scripts/bench/statement-replay.ts\`).
- Statements per booking (API) count every statement this process sent (BEGIN and COMMIT, the outbox relay's too), divided by the bookings.

**Where the time goes** (measured during each row: CPU of the whole machine, 100 % = both cores, from /proc; the database sessions' wait events sampled every 100 ms from pg_stat_activity, \`CPU\` = running, not waiting):

| run | clients | CPU % node / postgres / other / idle | what active sessions did |
| --- | ---: | --- | --- |
${limitRows.join('\n')}

- ${sold.rows[0]!.count} seats sold in all (API and pgbench), no seat twice: the inventory row of a seat is sold once.

![booking curve](benchmarks/booking.png)`,
    );
  } finally {
    await local.close();
  }
});
