/**
 * Runs autocannon loads in a worker thread, so the load generator does not
 * share an event loop with the services it measures (they run in the main
 * thread of the benchmark). One thread serves every load of a benchmark, so
 * V8 compiles autocannon once rather than on the machine's CPU during each
 * measured run. Each message is one load's options; the answer is every
 * latency and the status counts.
 */
import { parentPort } from 'node:worker_threads';
import autocannon from 'autocannon';

parentPort.on('message', (options) => {
  const latencies = [];
  const statuses = {};
  const instance = autocannon({ ...options, timeout: 30 }, (error, result) => {
    if (error) parentPort.postMessage({ error: error.message });
    else
      parentPort.postMessage({
        latencies,
        statuses,
        durationSeconds: result.duration,
        bytes: result.throughput.total,
        errors: result.errors + result.timeouts,
      });
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    latencies.push(responseTime);
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  });
});
