/**
 * `npm run bench -- read-path`: the onsale's read path. Availability of a
 * 2,000- and a 20,000-seat venue (full and compact, cached and with the cache
 * off, and pollers revalidating with If-None-Match) and catalog search, each
 * against pgbench running the statement that request runs against the
 * database, with the same clients, in the same run. Counts the statements
 * booking sends per 1,000 availability requests.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBookingDefinition } from '@ticketing/booking/app';
import { startService } from '@ticketing/platform';
import { seedEvent, testServiceEnv } from '@ticketing/testing';
import { runMain } from '../local-stack/errors.js';
import { repoRoot } from '../local-stack/paths.js';
import { countStatements, lineChartPng, log, n, runLoad, runPgbench, startBenchServices, type LoadResult } from './lib.js';
import { machineLine, writeBenchmarkSection } from './report.js';

const clients = Number(process.env.BENCH_CLIENTS ?? 32);
const seconds = Number(process.env.BENCH_SECONDS ?? 6);

/** What availability cost per request before the cache: the catalog event, every seat, the GA sections (3 statements). */
const uncachedAvailabilitySql = `SELECT id, venue_id, status, starts_at FROM catalog.events WHERE id = :'event';
SELECT seat_id, section_id, category, price_cents, currency,
       CASE WHEN status = 'held' AND held_until <= now() THEN 'available' ELSE status END AS status
  FROM booking.seat_inventory WHERE event_id = :'event' ORDER BY section_id, seat_id;
SELECT g.section_id, g.category, g.price_cents, g.currency, g.capacity,
       g.capacity - g.sold - g.held + COALESCE((SELECT sum(h.ga_quantity) FROM booking.holds h
         WHERE h.event_id = g.event_id AND h.ga_section_id = g.section_id AND h.status = 'active' AND h.expires_at <= now()), 0)::int AS available
  FROM booking.ga_sections g WHERE g.event_id = :'event' ORDER BY g.section_id;
`;

/** What one snapshot refresh costs now (src/availability.ts statusQuery): one statement. */
const refreshSql = `SELECT section_id, category, price_cents, currency,
       string_agg(CASE WHEN status = 'sold' THEN 's' WHEN status = 'held' AND held_until > now() THEN 'h' ELSE 'a' END, '' ORDER BY seat_id) AS statuses,
       NULL::int AS capacity, NULL::int AS available
  FROM booking.seat_inventory WHERE event_id = :'event' GROUP BY section_id, category, price_cents, currency
UNION ALL
SELECT g.section_id, g.category, g.price_cents, g.currency, NULL, g.capacity,
       (g.capacity - g.sold - g.held + COALESCE((SELECT sum(h.ga_quantity) FROM booking.holds h
         WHERE h.event_id = g.event_id AND h.ga_section_id = g.section_id AND h.status = 'active' AND h.expires_at <= now()), 0))::int
  FROM booking.ga_sections g WHERE g.event_id = :'event'
 ORDER BY section_id, category, price_cents, currency;
`;

/** The search the API runs for `?city=lisbon&limit=20` (src/search.ts); the time format's colons quoted, or pgbench takes `:MI` for a variable. */
const searchSql = `SELECT e.id, e.owner_id, e.title, e.description, e.starts_at, e.ends_at, e.status, e.created_at, e.updated_at,
       v.id AS venue_id, v.name AS venue_name, v.city AS venue_city, v.address AS venue_address, v.timezone AS venue_timezone,
       coalesce((SELECT json_agg(json_build_object('category', p.category, 'priceCents', p.price_cents, 'currency', p.currency) ORDER BY p.category)
                   FROM catalog.price_tiers p WHERE p.event_id = e.id), '[]'::json) AS price_tiers,
       to_char(e.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24":"MI":"SS.US"Z"') AS cursor_starts_at
  FROM catalog.events e JOIN catalog.venues v ON v.id = e.venue_id
 WHERE e.status = 'on_sale' AND lower(v.city) = lower('lisbon')
 ORDER BY e.starts_at, e.id LIMIT 21;
`;

const withEvent = (sql: string, eventId: string) => sql.replaceAll(":'event'", `'${eventId}'`);

runMain(async () => {
  const counter = countStatements();
  log(`Starting catalog and booking (availability cached 1 s) and a second booking with the cache off…`);
  // The relay and sweeper idle: every statement counted during a run is the read path's.
  const local = await startBenchServices({ AVAILABILITY_CACHE_MS: '1000', OUTBOX_POLL_INTERVAL_MS: '60000' });
  const uncached = await startService(
    createBookingDefinition(),
    testServiceEnv(local.databaseUrl, {
      KAFKA_BROKERS: process.env.TEST_KAFKA_BROKERS ?? '',
      KAFKA_TOPIC_BOOKINGS: local.topic,
      AVAILABILITY_CACHE_MS: '0',
      OUTBOX_POLL_INTERVAL_MS: '60000',
      SWEEPER_INTERVAL_MS: '600000',
    }),
  );
  try {
    log('Seeding a 2,000-seat and a 20,000-seat event, and 60 events in Lisbon…');
    const small = await seedEvent(local.pool, { seats: 2000, gaCapacity: 500 });
    const large = await seedEvent(local.pool, { seats: 20000, gaCapacity: 5000 });
    for (let i = 0; i < 58; i++) await seedEvent(local.pool, { seats: 1, startsInHours: 24 + i });
    // Inventory is copied on first read: do it before measuring.
    for (const base of [local.bookingUrl, uncached.url])
      for (const e of [small, large]) await fetch(`${base}/events/${e.eventId}/availability`).then((r) => r.arrayBuffer());
    await local.pool.query('ANALYZE');

    const rows: string[] = [];
    const curve: { name: string; rps: number; p95: number }[] = [];
    const measure = async (name: string, url: string, baseline: { sql: string; label: string } | undefined, headers?: Record<string, string>) => {
      log(`${name}: ${clients} clients, ${seconds} s…`);
      const { result, statements } = await counter.during(() => runLoad({ url, connections: clients, seconds, headers }));
      const pgbench = baseline ? await runPgbench({ databaseUrl: local.databaseUrl, script: baseline.sql, clients, seconds }) : undefined;
      const ok = (result.statuses['200'] ?? 0) + (result.statuses['304'] ?? 0);
      rows.push(
        `| ${name} | ${n(result.rps)} | ${n(result.p95Ms, 1)} | ${n(result.bytesPerRequest / 1024, 1)} | ${n((1000 * statements) / Math.max(1, result.requests), 1)} | ` +
          `${pgbench ? `${n(pgbench.tps)} (${baseline!.label})` : '–'} | ${pgbench ? n(result.rps / pgbench.tps, 2) : '–'} | ${ok === result.requests && result.errors === 0 ? 'all' : `${ok}/${result.requests}, ${result.errors} errors`} |`,
      );
      curve.push({ name, rps: result.rps, p95: result.p95Ms });
      return result;
    };

    const availability = (base: string, e: { eventId: string }, query = '') => `${base}/events/${e.eventId}/availability${query}`;
    const uncachedBaseline = (e: { eventId: string }) => ({ sql: withEvent(uncachedAvailabilitySql, e.eventId), label: 'the 3 statements per request before' });
    const refreshBaseline = (e: { eventId: string }) => ({ sql: withEvent(refreshSql, e.eventId), label: 'one refresh statement' });

    // Warm-up, not reported: the services' and the load generator's hot code compiled before the first row.
    log('Warming up for 4 s…');
    for (const url of [availability(uncached.url, small), availability(local.bookingUrl, small, '?format=compact')])
      await runLoad({ url, connections: clients, seconds: 2 });
    await measure('availability 2,000 seats, full, cache off', availability(uncached.url, small), refreshBaseline(small));
    await measure('availability 2,000 seats, full, cached', availability(local.bookingUrl, small), uncachedBaseline(small));
    await measure('availability 2,000 seats, compact, cached', availability(local.bookingUrl, small, '?format=compact'), uncachedBaseline(small));
    const etag = (await fetch(availability(local.bookingUrl, small, '?format=compact'))).headers.get('etag')!;
    await measure('availability 2,000 seats, compact, If-None-Match (304)', availability(local.bookingUrl, small, '?format=compact'), undefined, {
      'If-None-Match': etag,
    });
    await measure('availability 20,000 seats, full, cache off', availability(uncached.url, large), refreshBaseline(large));
    await measure('availability 20,000 seats, full, cached', availability(local.bookingUrl, large), uncachedBaseline(large));
    await measure('availability 20,000 seats, compact, cached', availability(local.bookingUrl, large, '?format=compact'), uncachedBaseline(large));
    const search: LoadResult = await measure('search `?city=lisbon&limit=20`, cached', `${local.catalogUrl}/events?city=lisbon&limit=20`, {
      sql: searchSql,
      label: 'the same SELECT',
    });

    const compactBytes = (await (await fetch(availability(local.bookingUrl, small, '?format=compact'))).arrayBuffer()).byteLength;
    const fullBytes = (await (await fetch(availability(local.bookingUrl, small))).arrayBuffer()).byteLength;
    const compactLarge = (await (await fetch(availability(local.bookingUrl, large, '?format=compact'))).arrayBuffer()).byteLength;

    const chart = lineChartPng({
      title: `Read path: throughput and p95 (${clients} clients)`,
      xLabel: 'requests per second',
      yLabel: 'p95 latency (ms)',
      series: curve.map((c, i) => ({
        name: c.name.replace('availability ', '').replace(', cached', ' ✓').slice(0, 26),
        color: ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'][i % 8]!,
        points: [{ x: c.rps, y: c.p95 }],
      })),
    });
    writeFileSync(join(repoRoot, 'docs', 'benchmarks', 'read-path.png'), chart);

    writeBenchmarkSection(
      'read-path',
      `## Read path: availability and search

\`npm run bench -- read-path\` · ${machineLine()} · ${clients} clients (autocannon, closed model) for ${seconds} s per row, after a 4 s warm-up (one load thread for every row); pgbench with the same clients, prepared protocol, right after.

| request | req/s | p95 ms | KiB/answer | statements per 1,000 requests | pgbench tx/s (what) | ratio | 2xx/304 |
| --- | ---: | ---: | ---: | ---: | --- | ---: | --- |
${rows.join('\n')}

- Sizes (2,000 seats): full ${n(fullBytes / 2000, 1)} bytes per seat, compact **${n(compactBytes / 2000, 1)} bytes per seat** (${n(fullBytes / compactBytes)}× smaller); 20,000 seats compact: ${n(compactLarge / 20000, 1)} bytes per seat.
- *Before* (the landed code, every request: the catalog event, every seat, the GA sections, the JSON built on the event loop) is what "cache off" replaced;
  its database cost is the pgbench column of the cached rows — 3 statements and every seat row per request, so 3,000 statements per 1,000 requests whatever the load.
  Cached, booking sends one statement per event per second however many requests arrive: the statements column is that count divided by the requests served.
- Ratios: cached availability answers without the database, so its ratio against the uncached statements shows what the cache buys; "cache off" is compared with the one refresh statement it runs per request; search is compared with the same SELECT.
- Search (cached, dropped on catalog writes): ${n(search.rps)} req/s against ${n(search.requests)} requests.

![read path](benchmarks/read-path.png)`,
    );
    log('docs/benchmarks.md: read-path section written.');
  } finally {
    await uncached.stop();
    await local.close();
  }
});
