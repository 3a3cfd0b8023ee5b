/**
 * Starts real PostgreSQL, Kafka and Redis servers through the local-stack library,
 * on free ports and throwaway directories (never the ones npm start or npm
 * test use), and checks what the scripts rely on: data survives a stop and
 * a start again, and a taken port or a running server gives a clear error.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import pg from 'pg';
import { StackError } from '../local-stack/errors.js';
import { ensureKafkaInstalled, ensureTopic, startKafka, type KafkaInstallation } from '../local-stack/kafka.js';
import { ensureDatabase, startPostgres } from '../local-stack/postgres.js';
import { findFreePort } from '../local-stack/ports.js';
import { startRedis } from '../local-stack/redis.js';

let workDir: string | undefined;

/** Servers this file started and has not stopped yet. */
const running = new Set<{ stop(): Promise<void> }>();

// Ctrl-C on `npm test` kills this process without running after(): stop our
// servers first, or they would outlive the run (they are detached).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.allSettled([...running].map((server) => server.stop())).then(() => {
      if (workDir) rmSync(workDir, { recursive: true, force: true });
      process.exit(130);
    });
  });
}

/** Registers a started server so an interrupt stops it too. */
async function track<T extends { stop(): Promise<void> }>(start: Promise<T>): Promise<T> {
  const server = await start;
  running.add(server);
  const stop = server.stop.bind(server);
  return Object.assign(server, {
    stop: async () => {
      await stop();
      running.delete(server);
    },
  });
}

before(() => {
  workDir = mkdtempSync(join(tmpdir(), 'stack-test-'));
  // mkdtemp makes it 0700; the postgres OS user (when we are root) must get through.
  chmodSync(workDir, 0o755);
});

after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

function dir(name: string): string {
  assert.ok(workDir, 'before() ran');
  return join(workDir, name);
}

/** Holds `port` like a foreign process would, until closed. */
function occupy(port: number): Promise<Server> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolvePromise(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolvePromise) => server.close(() => resolvePromise()));
}

/** Asserts that `start` on a port another process holds fails with the StackError naming `what`. */
async function assertRefusesTakenPort(port: number, what: string, start: () => Promise<unknown>): Promise<void> {
  const blocker = await occupy(port);
  try {
    await assert.rejects(start(), (error: unknown) => {
      assert.ok(error instanceof StackError);
      assert.match(error.message, new RegExp(`^Port ${port} \\(${what}\\) is already in use`));
      return true;
    });
  } finally {
    await close(blocker);
  }
}

/** Two distinct free ports (Kafka needs a client and a controller port). */
async function twoFreePorts(): Promise<[number, number]> {
  const first = await findFreePort();
  for (;;) {
    const second = await findFreePort();
    if (second !== first) return [first, second];
  }
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL', { timeout: 180_000 }, () => {
  test('keeps its data across stop and start on the same directory and port', async () => {
    const dataDir = dir('postgres');
    const port = await findFreePort();
    const first = await track(startPostgres({ dataDir, port, fsync: false }));
    try {
      assert.match(first.url, new RegExp(`^postgres://postgres:[^@]+@127\\.0\\.0\\.1:${port}/postgres$`));
      const appUrl = await ensureDatabase(first.url, 'stack_test');
      assert.equal(await ensureDatabase(first.url, 'stack_test'), appUrl, 'a second ensureDatabase is a no-op');
      await query(appUrl, 'CREATE TABLE kept (value text); INSERT INTO kept VALUES ($$hello$$)');
      const [settings] = await query<{ max_connections: string; listen_addresses: string }>(
        first.url,
        "SELECT current_setting('max_connections') AS max_connections, current_setting('listen_addresses') AS listen_addresses",
      );
      assert.equal(settings?.listen_addresses, '127.0.0.1');
      assert.ok(Number(settings?.max_connections) >= 300);

      await assert.rejects(startPostgres({ dataDir, port: await findFreePort() }), (error: unknown) => {
        assert.ok(error instanceof StackError);
        assert.match(error.message, /PostgreSQL is already running on .* \(pid \d+\)/);
        return true;
      });
    } finally {
      await first.stop();
    }

    const second = await track(startPostgres({ dataDir, port, fsync: false }));
    try {
      assert.equal(second.url, first.url, 'same superuser credentials after a restart');
      const rows = await query<{ value: string }>(second.url.replace(/\/postgres$/, '/stack_test'), 'SELECT value FROM kept');
      assert.deepEqual(rows, [{ value: 'hello' }]);
    } finally {
      await second.stop();
    }
    await second.stop(); // idempotent
  });

  test('refuses a taken port with a clear message', async () => {
    const port = await findFreePort();
    await assertRefusesTakenPort(port, 'PostgreSQL', () => startPostgres({ dataDir: dir('postgres-blocked'), port }));
  });
});

/** Sends one inline command to Redis and returns its reply as received (RESP). */
function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(`${command}\r\n`));
    socket.once('data', (data) => {
      socket.destroy();
      resolvePromise(data.toString());
    });
    socket.once('error', reject);
  });
}

describe('Redis', { timeout: 60_000 }, () => {
  test('serves on 127.0.0.1 only, refuses a second server on its directory, and is gone after stop', async () => {
    const dataDir = dir('redis');
    const port = await findFreePort();
    const redis = await track(startRedis({ dataDir, port }));
    assert.equal(redis.url, `redis://127.0.0.1:${port}`);
    assert.equal(await redisCommand(port, 'SET k v'), '+OK\r\n');
    assert.equal(await redisCommand(port, 'GET k'), '$1\r\nv\r\n');
    assert.match(await redisCommand(port, 'CONFIG GET bind'), /\r\n127\.0\.0\.1\r\n$/);
    await assert.rejects(startRedis({ dataDir, port: await findFreePort() }), /already running/);
    await redis.stop();
    await assert.rejects(redisCommand(port, 'PING'), /ECONNREFUSED/);
    await redis.stop(); // idempotent
  });

  test('refuses a taken port with a clear message', async () => {
    const port = await findFreePort();
    await assertRefusesTakenPort(port, 'Redis', () => startRedis({ dataDir: dir('redis-blocked'), port }));
  });
});

describe('Kafka', { timeout: 300_000 }, () => {
  let installation: KafkaInstallation;

  before(async () => {
    installation = await ensureKafkaInstalled();
  });

  test('keeps topics and messages across stop and start on the same directory and port', async () => {
    const dataDir = dir('kafka');
    const [port, controllerPort] = await twoFreePorts();
    const topic = 'stack-test';

    const first = await track(startKafka({ dataDir, port, controllerPort, installation }));
    try {
      assert.equal(first.brokers, `127.0.0.1:${port}`);
      assert.equal(await ensureTopic(first.brokers, topic, 3), true);
      assert.equal(await ensureTopic(first.brokers, topic, 3), false, 'a second ensureTopic is a no-op');
      const producer = client(first.brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'survives a restart' }] });
      await producer.disconnect();

      await assert.rejects(startKafka({ dataDir, port: await findFreePort(), installation }), (error: unknown) => {
        assert.ok(error instanceof StackError);
        assert.match(error.message, /Kafka is already running on .* \(pid \d+\)/);
        return true;
      });
    } finally {
      await first.stop();
    }

    const second = await track(startKafka({ dataDir, port, controllerPort, installation }));
    try {
      const admin = client(second.brokers).admin();
      await admin.connect();
      const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      await admin.disconnect();
      assert.equal(metadata?.partitions.length, 3);
      assert.deepEqual(await readAll(second.brokers, topic, 1), ['survives a restart']);
    } finally {
      await second.stop();
    }
  });

  test('refuses a taken port with a clear message', async () => {
    const [port, controllerPort] = await twoFreePorts();
    await assertRefusesTakenPort(port, 'Kafka', () => startKafka({ dataDir: dir('kafka-blocked'), port, controllerPort, installation }));
  });
});

function client(brokers: string): Kafka {
  return new Kafka({ clientId: 'stack-test', brokers: [brokers], logLevel: logLevel.NOTHING });
}

/** Reads `count` messages of `topic` from the beginning. */
async function readAll(brokers: string, topic: string, count: number): Promise<string[]> {
  const consumer = client(brokers).consumer({ groupId: `stack-test-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${values.length} of ${count} messages arrived`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value?.toString() ?? '');
          if (values.length >= count) {
            clearTimeout(timer);
            resolvePromise();
          }
        },
      });
    });
    return values;
  } finally {
    await consumer.disconnect();
  }
}
