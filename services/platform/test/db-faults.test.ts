import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { databaseUnavailableProblem, isBrokenConnectionError, withTransaction } from '../src/db.js';
import { toProblem } from '../src/http.js';
import type { OpenApiDocument, Parameter } from '../src/openapi.js';
import { startService, type RunningService } from '../src/service.js';
import { commonEnv, databaseEnv, standardPaths, type ServiceDeclaration } from '../src/service-declaration.js';
import { createTestDatabase, http } from '../src/testing.js';

/** A tiny service on the platform whose routes exercise the database the way real ones do. */
const declaration: ServiceDeclaration = {
  name: 'probe',
  description: 'database fault probe',
  port: 0,
  ...standardPaths,
  entry: 'none',
  env: [...commonEnv, ...databaseEnv],
  dependencies: { postgres: true, services: [] },
  resources: { requests: { cpu: '1', memory: '1Mi' }, limits: { cpu: '1', memory: '1Mi' } },
  scaling: { minReplicas: 1, maxReplicas: 1, targetCpuUtilizationPercent: 50 },
  shutdownGraceSeconds: 5,
};

const op = (operationId: string, parameters: Parameter[] = []) => ({
  operationId,
  summary: operationId,
  parameters,
  responses: { '200': { description: 'ok' } },
});
const queryParam = (name: string) => ({ name, in: 'query' as const, required: true, schema: { type: 'string' } });

const openApi: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'probe', version: '1' },
  paths: {
    // A transaction that stays open (idle) for `idleMs`, tagged so the test can find its backend.
    '/tx': { get: op('tx', [queryParam('tag'), queryParam('idleMs')]) },
    '/sleep': { get: op('sleep', [queryParam('seconds')]) },
    '/timestamp': { get: op('timestamp', [queryParam('value')]) },
    '/rows/{id}': { get: op('lockRow', [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]) },
    // A transaction PostgreSQL fails as deadlocked in its first `times` attempts.
    '/deadlocked': { get: op('deadlocked', [queryParam('times')]) },
  },
  components: { schemas: {} },
};

async function startProbe(databaseUrl: string, env: Record<string, string> = {}, database?: { schema: string; migrations: string }): Promise<RunningService> {
  return startService(
    {
      declaration,
      openApi,
      ...(database ? { database } : {}),
      setup({ api, requirePool }) {
        const pool = requirePool();
        api.operation('get', '/tx', async (req, res) => {
          const q = req.input!.query as { tag: string; idleMs: string };
          await withTransaction(pool, async (tx) => {
            // Transaction-local, so the pooled connection does not keep the tag.
            await tx.query(`SELECT set_config('application_name', $1, true)`, [q.tag]);
            await sleep(Number(q.idleMs));
            await tx.query('SELECT 1');
          });
          res.json({ ok: true });
        });
        api.operation('get', '/sleep', async (req, res) => {
          await withTransaction(pool, async (tx) => {
            await tx.query(`SELECT set_config('application_name', 'sleeper', true)`);
            await tx.query('SELECT pg_sleep($1)', [Number((req.input!.query as { seconds: string }).seconds)]);
          });
          res.json({ ok: true });
        });
        api.operation('get', '/timestamp', async (req, res) => {
          const { rows } = await pool.query('SELECT $1::timestamptz AS at', [(req.input!.query as { value: string }).value]);
          res.json(rows[0]);
        });
        api.operation('get', '/rows/{id}', async (req, res) => {
          await withTransaction(pool, (tx) => tx.query('SELECT * FROM probe_rows WHERE id = $1 FOR UPDATE', [Number(req.input!.params.id)]));
          res.json({ ok: true });
        });
        api.operation('get', '/deadlocked', async (req, res) => {
          const times = Number((req.input!.query as { times: string }).times);
          let attempts = 0;
          await withTransaction(pool, async (tx) => {
            attempts++;
            if (attempts <= times) await tx.query(`DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = 'deadlock_detected'; END $$`);
          });
          res.json({ attempts });
        });
      },
    },
    { DATABASE_URL: databaseUrl, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'error', ...env },
  );
}

/** Terminates the backends whose application_name is `tag`, as an operator (or a failover) would. */
async function terminate(admin: pg.Client, tag: string): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const { rows } = await admin.query<{ n: number }>('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1', [
      tag,
    ]);
    if (rows[0]!.n > 0) return rows[0]!.n;
    await sleep(20);
  }
  throw new Error(`no backend tagged ${tag}`);
}

function assertUnavailable(res: { status: number; body: any; headers: Headers }, reason?: string): void {
  assert.equal(res.status, 503, JSON.stringify(res.body));
  assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
  assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
  if (reason) assert.equal(res.body.reason, reason);
}

/** A TCP hop in front of PostgreSQL that the test can cut and restore (an outage, a restart). */
async function startProxy(target: URL): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let server: net.Server;
  let port = 0;
  const listen = async () => {
    server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  };
  const cut = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await listen();
  const url = new URL(target);
  url.host = `127.0.0.1:${port}`;
  return { url: url.toString(), cut, restore: listen, close: cut };
}

describe('database faults', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let admin: pg.Client;
  before(async () => {
    db = await createTestDatabase('faults');
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query('CREATE TABLE probe_rows (id int PRIMARY KEY); INSERT INTO probe_rows VALUES (1), (2)');
  });
  after(async () => {
    await admin.end();
    await db.drop();
  });

  test('a connection killed while checked out (idle in a transaction, or mid-query) is a 503, released as broken, and the process lives on', async () => {
    const service = await startProbe(db.url, { DATABASE_POOL_MAX: '2' });
    try {
      for (let i = 0; i < 3; i++) {
        const idle = http(service.url, 'GET', `/tx?tag=idle-${i}&idleMs=600`);
        await terminate(admin, `idle-${i}`);
        assertUnavailable(await idle, 'database_unavailable');
      }
      const busy = http(service.url, 'GET', '/sleep?seconds=5');
      await terminate(admin, 'sleeper');
      assertUnavailable(await busy);
      // Broken clients left the pool: with only 2 slots, a leak would stall this.
      assert.equal((await http(service.url, 'GET', '/tx?tag=after&idleMs=0')).status, 200);
      assert.ok(service.context.requirePool().totalCount <= 2);
      assert.equal((await http(service.url, 'GET', '/readyz')).status, 200);
    } finally {
      await service.stop();
    }
  });

  test('statement timeout, lock timeout and an exhausted pool answer 503 with Retry-After and a reason', async () => {
    const service = await startProbe(db.url, {
      DATABASE_POOL_MAX: '2',
      DATABASE_STATEMENT_TIMEOUT_MS: '300',
      DATABASE_LOCK_TIMEOUT_MS: '200',
      DATABASE_CONNECT_TIMEOUT_MS: '200',
    });
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      assertUnavailable(await http(service.url, 'GET', '/sleep?seconds=2'), 'statement_timeout');

      await locker.query('BEGIN');
      await locker.query('SELECT * FROM probe_rows WHERE id = 1 FOR UPDATE');
      const started = Date.now();
      const locked = await http(service.url, 'GET', '/rows/1');
      assertUnavailable(locked, 'lock_timeout');
      assert.ok(Date.now() - started < 2_000, 'gave up on the lock quickly');
      assert.equal((await http(service.url, 'GET', '/rows/2')).status, 200, 'other rows are unaffected');
      await locker.query('ROLLBACK');

      const holders = [0, 1].map((i) => http(service.url, 'GET', `/tx?tag=hold-${i}&idleMs=1000`));
      await sleep(200);
      assertUnavailable(await http(service.url, 'GET', '/timestamp?value=2031-01-01T00:00:00Z'), 'database_pool_exhausted');
      for (const res of await Promise.all(holders)) assert.equal(res.status, 200);

      // Each 503 is counted by its reason; the pool wait shows in the gauges and the acquire histogram.
      const exposed = await (await fetch(`${service.url}/metrics`)).text();
      const sample = (series: string) => Number(new RegExp(`^${series.replace(/[{}"+.]/g, '\\$&')} (\\S+)$`, 'm').exec(exposed)?.[1]);
      for (const reason of ['statement_timeout', 'lock_timeout', 'database_pool_exhausted']) {
        assert.equal(sample(`db_errors_total{reason="${reason}",service="probe"}`), 1, reason);
      }
      assert.equal(sample('db_errors_total{reason="database_unavailable",service="probe"}'), 0);
      assert.ok(sample('db_pool_acquire_duration_seconds_bucket{le="+Inf",service="probe"}') >= 5);
      assert.ok(sample('db_pool_acquire_duration_seconds_sum{service="probe"}') >= 0.2, 'the exhausted wait took the connect timeout');
      assert.equal(sample('db_pool_connections{state="waiting",service="probe"}'), 0);
      assert.equal(sample('http_problems_total{route="/rows/{id}",type="lock-timeout",service="probe"}'), 1);
    } finally {
      await locker.end();
      await service.stop();
    }
  });

  test('a deadlocked transaction is run again; one that stays deadlocked through every attempt is 503 transaction_conflict, not 500', async () => {
    const service = await startProbe(db.url);
    try {
      const retried = await http(service.url, 'GET', '/deadlocked?times=2');
      assert.equal(retried.status, 200, JSON.stringify(retried.body));
      assert.equal(retried.body.attempts, 3);
      const stuck = await http(service.url, 'GET', '/deadlocked?times=3');
      assertUnavailable(stuck, 'transaction_conflict');
      assert.match(stuck.body.type, /\/transaction-conflict$/);
      assert.equal(stuck.headers.get('retry-after'), '1');
    } finally {
      await service.stop();
    }
  });

  test('while PostgreSQL is unreachable requests get 503 and /readyz 503; both recover without a restart', async () => {
    const proxy = await startProxy(new URL(db.url));
    const service = await startProbe(proxy.url, { DATABASE_CONNECT_TIMEOUT_MS: '500' });
    try {
      assert.equal((await http(service.url, 'GET', '/readyz')).status, 200);
      const inFlight = http(service.url, 'GET', '/tx?tag=outage&idleMs=800');
      await sleep(300);
      await proxy.cut();
      assertUnavailable(await inFlight);
      assertUnavailable(await http(service.url, 'GET', '/timestamp?value=2031-01-01T00:00:00Z'), 'database_unavailable');
      assert.equal((await http(service.url, 'GET', '/readyz')).status, 503);
      await proxy.restore();
      assert.equal((await http(service.url, 'GET', '/readyz')).status, 200);
      assert.equal((await http(service.url, 'GET', '/timestamp?value=2031-01-01T00:00:00Z')).status, 200);
    } finally {
      await service.stop();
      await proxy.close().catch(() => undefined);
    }
  });

  test('a replica started while PostgreSQL is unreachable waits for it instead of failing to start', async () => {
    const proxy = await startProxy(new URL(db.url));
    await proxy.cut();
    const migrations = await mkdtemp(path.join(tmpdir(), 'probe-migrations-'));
    await writeFile(path.join(migrations, '001_items.sql'), 'CREATE TABLE items (id int PRIMARY KEY);');
    const starting = startProbe(proxy.url, { DATABASE_CONNECT_TIMEOUT_MS: '300' }, { schema: 'probe', migrations });
    await sleep(1_000);
    await proxy.restore();
    const service = await starting;
    try {
      assert.equal((await http(service.url, 'GET', '/readyz')).status, 200);
      assert.equal((await admin.query(`SELECT to_regclass('probe.items') IS NOT NULL AS ok`)).rows[0].ok, true);
    } finally {
      await service.stop();
      await proxy.close().catch(() => undefined);
      await rm(migrations, { recursive: true, force: true });
    }
  });

  test('a value PostgreSQL rejects as a data exception (class 22) is a 400, e.g. a UTC offset beyond ±15:59', async () => {
    const service = await startProbe(db.url);
    try {
      const res = await http(service.url, 'GET', `/timestamp?value=${encodeURIComponent('2031-06-01T20:00:00-18:45')}`);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    } finally {
      await service.stop();
    }
  });
});

describe('database error classification', () => {
  test('outages, timeouts and conflicts past their retries are transient; data and constraint errors are not', () => {
    for (const code of ['57P01', '57P02', '57P03', '08006', '08001', 'ECONNREFUSED', 'ECONNRESET', '53300', '57014', '55P03', '40001', '40P01']) {
      assert.equal(databaseUnavailableProblem({ code, message: 'x' })?.status, 503, code);
      assert.equal(toProblem({ code, message: 'x' })?.retryAfterSeconds !== undefined, true, code);
    }
    assert.equal(databaseUnavailableProblem(new Error('timeout exceeded when trying to connect'))?.status, 503);
    assert.equal(isBrokenConnectionError(new Error('Connection terminated unexpectedly')), true);
    for (const code of ['22009', '22P02', '22001', '22023']) assert.equal(toProblem({ code, message: 'x' })?.status, 400, code);
    for (const code of ['23505', '23503', '42P01']) assert.equal(databaseUnavailableProblem({ code, message: 'x' }), undefined, code);
    assert.equal(isBrokenConnectionError({ code: '55P03' }), false);
  });
});

describe('HTTP edges', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningService;
  before(async () => {
    db = await createTestDatabase('edges');
    service = await startProbe(db.url);
  });
  after(async () => {
    await service.stop();
    await db.drop();
  });

  test('an unsupported method on a known path is 405 with Allow, as problem+json', async () => {
    const api = await http(service.url, 'DELETE', '/rows/1');
    assert.equal(api.status, 405);
    assert.equal(api.headers.get('allow'), 'GET, HEAD');
    assert.match(api.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal((await http(service.url, 'POST', '/healthz')).status, 405);
    assert.equal((await http(service.url, 'GET', '/nowhere')).status, 404);
  });

  async function raw(request: string): Promise<string> {
    const { port } = new URL(service.url);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(request));
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
  }

  test('oversized headers and malformed requests rejected by the HTTP parser are problem+json', async () => {
    const big = await http(service.url, 'GET', '/healthz', { headers: { 'x-big': 'a'.repeat(20_000) } });
    assert.equal(big.status, 431);
    assert.match(big.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(big.body.status, 431);
    const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400 /);
    assert.match(garbage, /application\/problem\+json/);
    assert.equal(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4)).status, 400);
  });
});
