/** The booking benchmark's reading of which statements take the database's time (pg_stat_statements, loaded by the local stack). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase } from '@ticketing/testing';
import { measureWhereTimeGoes, statementLabel, topStatementsText } from '../bench/lib.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
before(async () => {
  database = await createTestDatabase('bench');
  pool = new pg.Pool({ connectionString: database.url, max: 3 });
});
after(async () => {
  await pool?.end();
  await database?.drop();
});

test('a statement is named by what it writes first (not its lock clause or upsert), else by what it reads', () => {
  assert.equal(
    statementLabel(
      `WITH booking AS (\n  INSERT INTO booking.bookings (id) SELECT $1 RETURNING *\n), sold AS (UPDATE booking.seat_inventory SET status = $2)\nSELECT * FROM booking`,
    ),
    'INSERT booking.bookings',
  );
  assert.equal(
    statementLabel(
      'WITH unlocked AS (SELECT slice FROM booking.ga_inventory WHERE event_id = $1 FOR UPDATE SKIP LOCKED) UPDATE booking.ga_inventory SET held = held + 1',
    ),
    'UPDATE booking.ga_inventory',
  );
  assert.equal(statementLabel('SELECT * FROM booking.payments WHERE id = $1 FOR NO KEY UPDATE'), 'SELECT booking.payments');
  assert.equal(
    statementLabel('INSERT INTO "booking".idempotency_keys AS k (principal) VALUES ($1) ON CONFLICT (principal) DO UPDATE SET status = $2'),
    'INSERT booking.idempotency_keys',
  );
  assert.equal(statementLabel('COMMIT'), 'COMMIT');
});

test("during a run, the statements that took most of the database's execution time, with their share and mean", async () => {
  await pool.query('CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)');
  await pool.query('INSERT INTO counters SELECT i, 0 FROM generate_series(1, 100) i');
  const measuring = measureWhereTimeGoes(pool, new URL(database.url).pathname.slice(1));
  await new Promise((resolve) => setTimeout(resolve, 200)); // the reset has run
  for (let i = 0; i < 20; i++) await pool.query('SELECT pg_sleep(0.01), count(*) FROM counters');
  for (let i = 1; i <= 20; i++) await pool.query('UPDATE counters SET n = n + 1 WHERE id = $1', [i]);
  const { statements } = await measuring.stop();

  assert.equal(statements[0]?.what, 'SELECT counters', topStatementsText(statements));
  assert.ok(statements[0].share > 50 && statements[0].share <= 100, topStatementsText(statements));
  assert.ok(statements[0].meanMs >= 10, 'each call slept 10 ms');
  assert.equal(statements[1]?.what, 'UPDATE counters', topStatementsText(statements));
  assert.equal(
    statements.some((s) => /pg_stat/i.test(s.what)),
    false,
    "the measurement's own statements are left out",
  );
  assert.match(topStatementsText(statements), /^SELECT counters \d+ % \(\d+\.\d ms\)/);
});

test("the services' CPU is this process's but what the load generator's thread reported using", async () => {
  const around = process.cpuUsage(); // taken before the measurement starts and read after it stops: it holds all the measurement saw
  const measuring = measureWhereTimeGoes(pool, new URL(database.url).pathname.slice(1));
  const busy = process.cpuUsage();
  const until = performance.now() + 300;
  while (performance.now() < until); // 0.3 s of CPU on this thread
  const busyUsage = process.cpuUsage(busy);
  const loadGeneratorCpuSeconds = 0.1;
  const reported = await measuring.stop({ loadGeneratorCpuSeconds });
  const aroundUsage = process.cpuUsage(around);
  const seconds = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;
  // Between the busy loop alone and everything this process did meanwhile, less what the load generator reported.
  assert.ok(
    reported.servicesCpuSeconds >= seconds(busyUsage) - loadGeneratorCpuSeconds - 0.005,
    `${reported.servicesCpuSeconds} s, busy loop ${seconds(busyUsage)} s`,
  );
  assert.ok(
    reported.servicesCpuSeconds <= seconds(aroundUsage) - loadGeneratorCpuSeconds + 0.005,
    `${reported.servicesCpuSeconds} s, process ${seconds(aroundUsage)} s`,
  );
  const { services, loadGenerator } = reported.cpuPercent;
  assert.ok(loadGenerator > 0 && services > loadGenerator, JSON.stringify(reported.cpuPercent));
  assert.ok(Math.abs(services / loadGenerator - reported.servicesCpuSeconds / loadGeneratorCpuSeconds) < 0.01, 'both shares of the same total');
});
