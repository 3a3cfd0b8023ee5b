/**
 * `npm run bench -- booking`: seat bookings through the HTTP API (hold one
 * seat, pay it) with 8, 16 and 32 buyers at a time, each for a few seconds:
 * confirmed bookings/s, p95 of a whole booking, the CPU this process (booking
 * and catalog in-process) spends per booking, and the statements and commits
 * booking sends per booking. A PNG of the throughput/latency curve.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedEvent } from '@ticketing/testing';
import { StackError, runMain } from '../local-stack/errors.js';
import { repoRoot } from '../local-stack/paths.js';
import { countStatements, lineChartPng, log, n, percentile, postJson, startBenchServices } from './lib.js';
import { benchmarksFile, machineLine, writeBenchmarkSection } from './report.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const levels = (process.env.BENCH_CLIENTS ?? '8,16,32').split(',').map(Number);
const label = process.env.BENCH_LABEL ?? 'this commit';
/** Rows of other code versions already in the section (BENCH_LABEL names this one): before/after in one table. */
const keptRows = (): string[] => {
  const text = existsSync(benchmarksFile) ? readFileSync(benchmarksFile, 'utf8') : '';
  const section = /<!-- bench:booking -->([\s\S]*?)<!-- \/bench:booking -->/.exec(text)?.[1] ?? '';
  return section.split('\n').filter((line) => /^\| [^|]+ \| \d+ \|/.test(line) && !line.startsWith(`| ${label} |`));
};

runMain(async () => {
  const counter = countStatements();
  const kept = keptRows();
  const local = await startBenchServices({ DATABASE_POOL_MAX: '40' });
  try {
    const event = await seedEvent(local.pool, { seats: 60_000 });
    // The first read copies the event's inventory from the catalog: not part of any booking.
    await fetch(`${local.bookingUrl}/events/${event.eventId}/availability?format=compact`).then((r) => r.arrayBuffer());
    let nextSeat = 0;
    const post = (path: string, token: string, body: unknown) => postJson(`${local.bookingUrl}${path}`, token, body);
    const rows: string[] = [];
    const curve: { x: number; y: number }[] = [];
    for (const clients of levels) {
      log(`${clients} buyers for ${seconds} s…`);
      const latencies: number[] = [];
      const deadline = performance.now() + seconds * 1000;
      const cpuBefore = process.cpuUsage();
      const statementsBefore = counter.count();
      const started = performance.now();
      await Promise.all(
        Array.from({ length: clients }, async (_, b) => {
          const token = local.mintToken({ sub: `bench-booking-${clients}-${b}`, role: 'buyer' }, 3600);
          while (performance.now() < deadline) {
            const seat = event.seatIds[nextSeat++];
            if (!seat) throw new StackError('ran out of seats: lower BENCH_SECONDS');
            const t0 = performance.now();
            const hold = await post('/holds', token, { eventId: event.eventId, seatIds: [seat] });
            if (hold.status !== 201) throw new StackError(`hold answered ${hold.status}: ${JSON.stringify(hold.body)}`);
            const paid = await post(`/holds/${hold.body.id}/checkout`, token, { paymentMethod: 'pm_card_approved' });
            if (paid.status !== 201) throw new StackError(`checkout answered ${paid.status}: ${JSON.stringify(paid.body)}`);
            latencies.push(performance.now() - t0);
          }
        }),
      );
      const elapsed = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      const statements = counter.count() - statementsBefore;
      latencies.sort((a, b) => a - b);
      const rate = latencies.length / elapsed;
      rows.push(
        `| ${label} | ${clients} | ${n(rate)} | ${n(percentile(latencies, 50), 1)} | ${n(percentile(latencies, 95), 1)} | ${n((cpu.user + cpu.system) / 1000 / latencies.length, 1)} | ${n(statements / latencies.length, 1)} |`,
      );
      curve.push({ x: rate, y: percentile(latencies, 95) });
    }
    writeFileSync(
      join(repoRoot, 'docs', 'benchmarks', 'booking.png'),
      lineChartPng({
        title: 'Seat booking (hold + checkout): throughput vs p95',
        xLabel: 'confirmed bookings per second',
        yLabel: 'p95 of a booking (ms)',
        series: [{ name: `${levels.join('/')} buyers`, color: '#1f77b4', points: curve }],
      }),
    );
    writeBenchmarkSection(
      'booking',
      `## Seat booking through the API

\`npm run bench -- booking\` · ${machineLine()} · each row: that many buyers booking one seat each (hold, then pay), back to back, for ${seconds} s; catalog and booking in this process (CPU is the whole process's).

| code | buyers | bookings/s | p50 ms | p95 ms | CPU ms per booking | statements per booking |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${[...kept, ...rows].join('\n')}

Rows of another code version (its label) were measured in an earlier run of this benchmark on the same machine; \`BENCH_LABEL=<label>\` names a run's rows.
Statements per booking count every statement this process sent (BEGIN and COMMIT included; the relay's and the idempotency store's too), divided by the bookings.

![booking curve](benchmarks/booking.png)`,
    );
  } finally {
    await local.close();
  }
});
