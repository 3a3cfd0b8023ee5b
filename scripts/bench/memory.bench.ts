/**
 * `npm run bench -- memory`: the resident memory of every service of the
 * `npm start` stack, each its own process as in a cluster, at idle and under
 * the onsale's spike scenario (load-testing/scenarios.ts, the local engine,
 * straight at catalog and booking so the gateway's per-IP limit does not
 * throttle the load), against the memory each service's chart requests.
 *
 * Uses a running `npm start` when the gateway answers on 127.0.0.1:8080;
 * otherwise starts one (and stops it after).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { procStatusMiB } from '@ticketing/testing';
import { tokenMintFromSigningKeys } from '@ticketing/users/signing-keys';
import { memoryMebibytes } from '../../charts/lib/quantity.js';
import { allServices } from '../../services/services.js';
import { runOnsale } from '../../load-testing/lib/run-onsale.js';
import { StackError, runMain } from '../local-stack/errors.js';
import { localDir, repoRoot } from '../local-stack/paths.js';
import { isProcessAlive } from '../local-stack/pids.js';
import { parseEnvFile } from '../local-stack/secrets.js';
import { log, n } from './lib.js';
import { machineLine, writeBenchmarkSection } from './report.js';

const portOf = (name: string) => allServices.find((s) => s.name === name)!.port;
const gatewayUrl = `http://127.0.0.1:${portOf('gateway')}`;

const ready = () =>
  fetch(`${gatewayUrl}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.status === 200,
    () => false,
  );

/** The pid of each service `npm start` runs, from the pid file it writes (`<pid> <entry>` per line). */
function servicePids(): Map<string, number> {
  const pids = new Map<string, number>();
  for (const line of readFileSync(join(localDir, 'dev', 'services.pids'), 'utf8')
    .split('\n')
    .filter(Boolean)) {
    const [pid, entry] = line.split(' ');
    const service = allServices.find((s) => s.entry === entry);
    if (service && isProcessAlive(Number(pid))) pids.set(service.name, Number(pid));
  }
  return pids;
}

runMain(async () => {
  let started: ReturnType<typeof spawn> | undefined;
  if (!(await ready())) {
    log('Starting the stack (npm start)…');
    started = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', 'scripts/start.ts'], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const deadline = Date.now() + 10 * 60_000;
    while (!(await ready())) {
      if (started.exitCode !== null) throw new StackError(`npm start ended (exit ${started.exitCode}) before the gateway was ready`);
      if (Date.now() > deadline) throw new StackError('the gateway was not ready within 10 minutes of npm start');
      await sleep(1000);
    }
  }
  try {
    const pids = servicePids();
    const missing = allServices.filter((s) => !pids.has(s.name)).map((s) => s.name);
    if (missing.length > 0) throw new StackError(`no process found for ${missing.join(', ')}: is this npm start's stack?`);
    // Settled: start-up's allocations collected, connections opened.
    await sleep(10_000);
    const idle = new Map([...pids].map(([name, pid]) => [name, procStatusMiB(pid, 'VmRSS')]));

    const secrets = parseEnvFile(readFileSync(join(localDir, 'dev', 'secrets.env'), 'utf8'));
    const signingKeys = process.env.USERS_SIGNING_KEYS || secrets.USERS_SIGNING_KEYS;
    if (!signingKeys) throw new StackError('USERS_SIGNING_KEYS is in neither the environment nor .local/dev/secrets.env');
    const peak = new Map<string, number>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const [name, pid] of pids) peak.set(name, Math.max(peak.get(name) ?? 0, procStatusMiB(pid, 'VmRSS')));
        await sleep(250);
      }
    })();
    log('Spike scenario against catalog and booking…');
    const report = await runOnsale({
      scenario: 'spike',
      engine: 'local',
      services: {
        kind: 'running',
        catalogUrl: `http://127.0.0.1:${portOf('catalog')}`,
        bookingUrl: `http://127.0.0.1:${portOf('booking')}`,
        mint: await tokenMintFromSigningKeys(signingKeys),
      },
      log,
    });
    sampling = false;
    await sampler;

    const rows = allServices.map((s) => {
      const request = memoryMebibytes(s.resources.requests.memory);
      const limit = memoryMebibytes(s.resources.limits.memory);
      const top = peak.get(s.name)!;
      const verdict = top > limit ? '**over the limit**' : top > request ? 'over the request' : 'within the request';
      return `| ${s.name} | ${n(idle.get(s.name)!)} | ${n(top)} | ${s.resources.requests.memory} / ${s.resources.limits.memory} | ${verdict} |`;
    });
    const requests = report.result.totals.requests;
    writeBenchmarkSection(
      'memory',
      `## Memory per service

\`npm run bench -- memory\` · ${machineLine()} · every service of \`npm start\` in its own process (as in a pod); resident memory (VmRSS) 10 s after the stack was ready, and its peak during the \`spike\` scenario (${n(report.result.durationSeconds)} s, ${requests} requests, ${report.result.iterations.completed} buyers; the local engine straight at catalog and booking, so the gateway and the services after the purchase see only what that load causes).

| service | idle MiB | peak under load MiB | chart request / limit | peak vs chart |
| --- | ---: | ---: | --- | --- |
${rows.join('\n')}

Requests and limits are each service's declaration (\`services/<name>/src/service.ts\`, \`resources\`), which its chart renders.`,
    );
  } finally {
    if (started) {
      log('Stopping the stack…');
      started.kill('SIGINT');
      await new Promise((resolve) => started.once('exit', resolve));
    }
  }
});
