/**
 * Watches the HorizontalPodAutoscalers while an onsale runs and reports, per
 * HPA, the replicas it started with and the most it reached:
 *
 *   npx tsx load-testing/hpa-watch.ts [--namespace ticketing] [--interval 5] [--duration 360] [--context NAME]
 *
 * Polls `kubectl get hpa -o json` (your current kube context) until --duration
 * seconds pass or Ctrl-C, then prints the summary. Exit code 1 when no HPA
 * scaled above its starting replicas (the onsale did not exercise autoscaling).
 * Not run in this repository's tests: there is no cluster here.
 */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';

interface HpaList {
  items: {
    metadata: { name: string };
    spec: { minReplicas?: number; maxReplicas: number };
    status: { currentReplicas?: number; desiredReplicas?: number; currentMetrics?: unknown[] };
  }[];
}

interface Seen {
  min: number;
  max: number;
  first: number;
  last: number;
  maxReplicas: number;
  peakAt?: Date;
}

const { values } = parseArgs({
  options: {
    namespace: { type: 'string', default: 'ticketing' },
    interval: { type: 'string', default: '5' },
    duration: { type: 'string', default: '360' },
    context: { type: 'string' },
  },
});
const run = promisify(execFile);
const intervalMs = Number(values.interval) * 1000;
const deadline = Date.now() + Number(values.duration) * 1000;
const seen = new Map<string, Seen>();
let stopped = false;
process.once('SIGINT', () => (stopped = true));

while (!stopped && Date.now() < deadline) {
  try {
    const args = [...(values.context ? ['--context', values.context] : []), 'get', 'hpa', '-n', values.namespace, '-o', 'json'];
    const { stdout } = await run('kubectl', args, { timeout: 15_000, maxBuffer: 16 * 1024 * 1024 });
    const now = new Date();
    const line: string[] = [];
    for (const hpa of (JSON.parse(stdout) as HpaList).items) {
      const current = hpa.status.currentReplicas ?? 0;
      const entry = seen.get(hpa.metadata.name) ?? { min: current, max: current, first: current, last: current, maxReplicas: hpa.spec.maxReplicas };
      if (current > entry.max) entry.peakAt = now;
      entry.min = Math.min(entry.min, current);
      entry.max = Math.max(entry.max, current);
      entry.last = current;
      seen.set(hpa.metadata.name, entry);
      line.push(`${hpa.metadata.name} ${current}→${hpa.status.desiredReplicas ?? '?'}/${hpa.spec.maxReplicas}`);
    }
    process.stderr.write(`${now.toISOString()}  ${line.join('  ') || '(no HPA)'}\n`);
  } catch (error) {
    process.stderr.write(`kubectl get hpa failed: ${(error as Error).message.split('\n')[0]}\n`);
  }
  await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
}

process.stdout.write(`\nHPA replicas in namespace ${values.namespace} (start → peak, of max):\n`);
for (const [name, s] of [...seen].sort(([a], [b]) => a.localeCompare(b))) {
  process.stdout.write(
    `  ${name.padEnd(24)} ${s.first} → ${s.max} of ${s.maxReplicas}${s.peakAt ? ` (peak at ${s.peakAt.toISOString()})` : ''}, now ${s.last}\n`,
  );
}
const scaled = [...seen.values()].some((s) => s.max > s.first);
process.stdout.write(
  scaled
    ? 'At least one HPA scaled out during the run.\n'
    : 'No HPA scaled out: the load was too small, or the HPA metrics are missing (kubectl describe hpa).\n',
);
process.exitCode = scaled ? 0 : 1;
