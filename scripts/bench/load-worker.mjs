/**
 * Runs one autocannon load in a worker thread, so the load generator does not
 * share an event loop with the services it measures (they run in the main
 * thread of the benchmark). Posts every latency back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

const options = workerData;
const latencies = [];
const statuses = {};
const instance = autocannon({ ...options, timeout: 30 }, (error, result) => {
  if (error) throw error;
  parentPort.postMessage({ latencies, statuses, durationSeconds: result.duration, bytes: result.throughput.total, errors: result.errors + result.timeouts });
});
instance.on('response', (_client, statusCode, _bytes, responseTime) => {
  latencies.push(responseTime);
  statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
});
