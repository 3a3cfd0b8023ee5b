/**
 * The booking benchmark's buyers, in a worker thread that serves every run
 * of the benchmark (one thread for all of them, so the JIT compiles the
 * HTTP client once, not again for each run on the services' CPU). For each
 * run it is sent: one buyer per token, each holding then paying, back to
 * back, until `seconds` have passed, each write with an Idempotency-Key as
 * real clients send. In a thread of its own so the load generator's CPU is
 * not the services' (they run in the benchmark's main thread), as pgbench's
 * client is a process of its own. Answers every booking's latency and the
 * CPU this thread used (the services' CPU is the rest of the process); a
 * non-2xx answer stops the run.
 */
import { randomUUID } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { Pool } from 'undici';
import { statCpuSeconds } from './proc-stat.mjs';

/** CPU seconds this thread used since it started. */
const ownCpuSeconds = () => statCpuSeconds('/proc/thread-self/stat') ?? NaN;

async function post(pool, path, token, body) {
  const res = await pool.request({
    path,
    method: 'POST',
    // As the web UI and the load scenarios do: every write with a fresh Idempotency-Key.
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
    body: JSON.stringify(body),
  });
  const answer = await res.body.json();
  if (res.statusCode !== 201) throw new Error(`${path} answered ${res.statusCode}: ${JSON.stringify(answer)}`);
  return answer;
}

/** One run: its latencies, wall time, how many of `seatIds` it took, and this thread's CPU meanwhile. */
async function run({ origins, tokens, seconds, eventId, seatIds, gaSectionId }) {
  const cpuBefore = ownCpuSeconds();
  // Buyers take turns over the replicas' origins, as a load balancer would spread them.
  const pools = origins.map((origin) => new Pool(origin, { connections: Math.ceil(tokens.length / origins.length), pipelining: 1 }));
  let nextSeat = 0;
  const holdBody = () => {
    if (gaSectionId) return { eventId, generalAdmission: { sectionId: gaSectionId, quantity: 1 } };
    const seat = seatIds[nextSeat++];
    if (!seat) throw new Error('ran out of seats: lower BENCH_SECONDS');
    return { eventId, seatIds: [seat] };
  };
  const latencies = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  try {
    await Promise.all(
      tokens.map(async (token, buyer) => {
        const pool = pools[buyer % pools.length];
        while (performance.now() < deadline) {
          const t0 = performance.now();
          const hold = await post(pool, '/holds', token, holdBody());
          await post(pool, `/holds/${hold.id}/checkout`, token, { paymentMethod: 'pm_card_approved' });
          latencies.push(performance.now() - t0);
        }
      }),
    );
    return { latencies, elapsedSeconds: (performance.now() - started) / 1000, seatsUsed: nextSeat, cpuSeconds: ownCpuSeconds() - cpuBefore };
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
  }
}

parentPort.on('message', (job) => {
  run(job).then(
    (result) => parentPort.postMessage(result),
    (error) => parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
});
