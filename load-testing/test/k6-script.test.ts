import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { build, type Plugin } from 'esbuild';
import { startCatalogAndBooking, testDatabaseServerUrl, testKafkaBrokers, type LocalServices } from '@ticketing/testing';
import { checkConfirmedOnKafka, checkInventory, mintBuyerTokens, mintPartnerToken, seedOnsaleEvent } from '../lib/onsale.js';
import { scenario } from '../scenarios.js';

/**
 * The k6 engine's own code (onsale.ts) run without k6, which this project
 * never installs: the script is bundled as k6 would load it, with k6's
 * modules replaced by a small stand-in (synchronous HTTP through a worker
 * thread, metrics recorded as samples), and its smoke scenario is run once
 * against the real services. What k6 itself does with the options (executors,
 * thresholds) is its own; what the script asks of it is checked here.
 */

/** k6's modules as the script uses them, backed by globalThis.__k6 in the worker. */
const k6Modules: Record<string, string> = {
  k6: 'export function fail(message) { throw new Error("k6 fail: " + message); }',
  'k6/execution': 'export default globalThis.__k6.exec;',
  'k6/http': 'export default globalThis.__k6.http;',
  'k6/metrics': `
    class Metric { constructor(name) { this.name = name; } add(value, tags) { globalThis.__k6.sample(this.name, Number(value), tags ?? {}); } }
    export class Counter extends Metric {}
    export class Rate extends Metric {}`,
};

const k6StandIn: Plugin = {
  name: 'k6-stand-in',
  setup(b) {
    b.onResolve({ filter: /^k6(\/.*)?$/ }, (args) => ({ path: args.path, namespace: 'k6' }));
    b.onLoad({ filter: /.*/, namespace: 'k6' }, (args) => ({
      contents: k6Modules[args.path] ?? `throw new Error('no stand-in for ${args.path}')`,
      loader: 'js',
    }));
  },
};

/** Runs in the worker: blocks on each request while the main thread (which runs the services) answers it. */
const workerSource = `
const { workerData, parentPort } = require('node:worker_threads');
const flag = new Int32Array(workerData.shared, 0, 1);
const size = new Int32Array(workerData.shared, 4, 1);
const bytes = new Uint8Array(workerData.shared, 8);
const samples = [];
function send(method, url, body, params) {
  Atomics.store(flag, 0, 0);
  parentPort.postMessage({ method, url, body, headers: params?.headers ?? {} });
  Atomics.wait(flag, 0, 0);
  const answer = JSON.parse(new TextDecoder().decode(bytes.slice(0, size[0])));
  const expected = params?.responseCallback ? params.responseCallback.includes(answer.status) : answer.status < 400;
  samples.push({ name: 'http_reqs', value: 1, tags: { ...(params?.tags ?? {}), status: String(answer.status), expected_response: String(expected) } });
  return { status: answer.status, body: answer.body, json: () => JSON.parse(answer.body) };
}
const exec = { vu: { idInTest: 1 }, scenario: { iterationInTest: 0 } };
globalThis.__ENV = workerData.env;
globalThis.__k6 = {
  exec,
  http: {
    get: (url, params) => send('GET', url, null, params),
    request: (method, url, body, params) => send(method, url, body, params),
    expectedStatuses: (...statuses) => statuses,
  },
  sample: (name, value, tags) => samples.push({ name, value, tags }),
};
(async () => {
  const script = await import('data:text/javascript;base64,' + workerData.script);
  const data = script.setup();
  for (let i = 0; i < workerData.iterations; i += 1) {
    exec.scenario.iterationInTest = i;
    script.default(data);
  }
  parentPort.postMessage({ done: true, options: script.options, samples });
})().catch((error) => parentPort.postMessage({ error: String(error && error.stack || error) }));
`;

interface Sample {
  name: string;
  value: number;
  tags: Record<string, string>;
}

interface ScriptRun {
  options: { scenarios: Record<string, { executor: string }>; thresholds: Record<string, string[]> };
  samples: Sample[];
}

async function runScript(env: Record<string, string>, iterations: number): Promise<ScriptRun> {
  const bundle = await build({
    entryPoints: [resolve(import.meta.dirname, '..', 'onsale.ts')],
    bundle: true,
    format: 'esm',
    write: false,
    plugins: [k6StandIn],
  });
  const shared = new SharedArrayBuffer(8 + 4 * 1024 * 1024);
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { shared, env, iterations, script: Buffer.from(bundle.outputFiles[0]!.text).toString('base64') },
  });
  const flag = new Int32Array(shared, 0, 1);
  const size = new Int32Array(shared, 4, 1);
  const bytes = new Uint8Array(shared, 8);
  try {
    return await new Promise<ScriptRun>((resolvePromise, reject) => {
      worker.on('error', reject);
      worker.on(
        'message',
        (
          message: { method?: string; url?: string; body?: string | null; headers?: Record<string, string> } & Partial<ScriptRun> & {
              error?: string;
              done?: boolean;
            },
        ) => {
          if (message.error) return reject(new Error(message.error));
          if (message.done) return resolvePromise(message as ScriptRun);
          void fetch(message.url!, { method: message.method, headers: message.headers, body: message.body ?? undefined })
            .then(async (r) => ({ status: r.status, body: await r.text() }))
            .catch(() => ({ status: 0, body: '' }))
            .then((answer) => {
              const encoded = new TextEncoder().encode(JSON.stringify(answer));
              bytes.set(encoded);
              Atomics.store(size, 0, encoded.length);
              Atomics.store(flag, 0, 1);
              Atomics.notify(flag, 0);
            });
        },
      );
    });
  } finally {
    await worker.terminate();
  }
}

describe('the k6 script (onsale.ts) without k6', () => {
  let services: LocalServices;
  let env: Record<string, string>;
  let eventId: string;

  before(
    async () => {
      services = await startCatalogAndBooking({ databaseServerUrl: testDatabaseServerUrl(), kafkaBrokers: testKafkaBrokers().join(',') });
      const target = await seedOnsaleEvent(services.catalogUrl, await mintPartnerToken(services.mintToken), scenario('smoke').data);
      eventId = target.eventId;
      env = {
        SCENARIO: 'smoke',
        CATALOG_URL: services.catalogUrl,
        BOOKING_URL: services.bookingUrl,
        EVENT_ID: eventId,
        BUYER_TOKENS: (await mintBuyerTokens(services.mintToken, 2)).join(','),
      };
    },
    { timeout: 60_000 },
  );
  after(async () => {
    await services?.close();
  });

  test(
    'smoke through the k6 engine: the scenario as k6 options, every endpoint with its expected status, outcomes counted, invariants kept',
    { timeout: 60_000 },
    async () => {
      const run = await runScript(env, 1);
      assert.deepEqual(run.options.scenarios, { smoke: { executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration: '30s' } });
      assert.deepEqual(run.options.thresholds['request_errors'], ['rate<=0']);
      assert.deepEqual(run.options.thresholds['outcomes{outcome:cancelled}'], ['count>=1']);

      const requests = run.samples.filter((s) => s.name === 'http_reqs' && s.tags['name'] !== 'setup');
      assert.equal(requests.length, 15);
      assert.ok(
        requests.every((s) => s.tags['expected_response'] === 'true'),
        JSON.stringify(requests.map((s) => s.tags)),
      );
      assert.equal(new Set(requests.map((s) => s.tags['name'])).size, 12, 'every public endpoint, each under its own name');
      const errors = run.samples.filter((s) => s.name === 'request_errors');
      assert.equal(errors.length, 15);
      assert.ok(errors.every((s) => s.value === 0));
      const outcomes: Record<string, number> = {};
      for (const s of run.samples.filter((x) => x.name === 'outcomes')) outcomes[s.tags['outcome']!] = (outcomes[s.tags['outcome']!] ?? 0) + s.value;
      assert.deepEqual(outcomes, { held: 3, confirmed: 1, declined: 1, released: 1, cancelled: 1, ok: 8 });

      await checkInventory(services.pool, eventId);
      assert.deepEqual(await checkConfirmedOnKafka(services.pool, testKafkaBrokers(), services.topic, eventId), { bookings: 1, confirmedMessages: 1 });
    },
  );

  test('a missing target fails in setup, naming what is missing', { timeout: 30_000 }, async () => {
    await assert.rejects(runScript({ SCENARIO: 'smoke' }, 0), /k6 fail: missing environment: CATALOG_URL, BOOKING_URL, EVENT_ID, BUYER_TOKENS/);
  });
});
