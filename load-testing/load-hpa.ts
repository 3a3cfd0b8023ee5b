/**
 * `npm run load:hpa -- --env dev --profile spike (--event-id ID | --seed --gateway-url URL)`
 *
 * Runs an onsale load test inside the cluster through the k6-operator and
 * shows whether the services autoscaled: mints the buyers' tokens (with the
 * cluster's users signing keys), writes them to the Secret the runners read,
 * creates the profile's TestRun (charts/apps/load-testing.ts, with the event),
 * samples every HPA and Deployment of the app namespace through the Kubernetes
 * API until the test has finished and the cool-down has passed, then prints
 * per service whether it scaled up under load and back down after, and writes
 * report.json and one timeline PNG per service. Exit 0 when every expected HPA
 * did both. Step by step: load-testing/README.md ("HPA verification on a cluster").
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { tokenMintFromSigningKeys } from '@ticketing/users/signing-keys';
import { allServices } from '../services/services.js';
import { findLoadTestProfile, k6TokensSecret, renderTestRun } from '../charts/apps/load-testing.js';
import { namespaces } from '../charts/settings.js';
import { StackError, runMain } from '../scripts/local-stack/errors.js';
import { lineChartPng } from '../scripts/local-stack/line-chart.js';
import { localDir } from '../scripts/local-stack/paths.js';
import { scenario } from './scenarios.js';
import { analyseHpaTimeline, formatHpaReport, type DeploymentObject, type HpaObject, type Sample } from './hpa/timeline.js';
import { mintBuyerTokens, mintPartnerToken, seedOnsaleEvent } from './lib/onsale.js';

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

runMain(async () => {
  const { values } = parseArgs({
    options: {
      env: { type: 'string', default: 'dev' },
      profile: { type: 'string', default: 'spike' },
      'event-id': { type: 'string' },
      seed: { type: 'boolean', default: false },
      'gateway-url': { type: 'string' },
      seats: { type: 'string' },
      ga: { type: 'string' },
      buyers: { type: 'string' },
      context: { type: 'string' },
      interval: { type: 'string', default: '10' },
      cooldown: { type: 'string', default: '480' },
      expect: { type: 'string', default: 'gateway,catalog,booking' },
      out: { type: 'string' },
    },
  });
  if (values.env !== 'dev' && values.env !== 'prod') throw new StackError(`--env ${values.env}: expected dev or prod`);
  const intervalMs = 1000 * Number(values.interval);
  const cooldownMs = 1000 * Number(values.cooldown);
  const expected = values.expect.split(',').filter(Boolean);

  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  const configured = process.env.KUBECONFIG || existsSync(join(homedir(), '.kube', 'config')) || process.env.KUBERNETES_SERVICE_HOST;
  if (!configured)
    throw new StackError("No Kubernetes context: point KUBECONFIG (or ~/.kube/config) at the cluster, e.g. with your provider's get-credentials command.");
  if (values.context) kc.setCurrentContext(values.context);
  log(`cluster: context ${kc.getCurrentContext()} (${kc.getCurrentCluster()?.server ?? 'no server'})`);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const autoscaling = kc.makeApiClient(k8s.AutoscalingV2Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const app = namespaces.app;
  const loadNs = namespaces.loadTesting;

  // Tokens signed with the cluster's own keys, so the services accept them.
  const signingKeys =
    process.env.USERS_SIGNING_KEYS ??
    Buffer.from((await core.readNamespacedSecret({ name: 'users-secrets', namespace: app })).data?.USERS_SIGNING_KEYS ?? '', 'base64').toString('utf8');
  if (!signingKeys) throw new StackError(`No signing keys: set USERS_SIGNING_KEYS or let this context read secret users-secrets in ${app}.`);
  const mint = await tokenMintFromSigningKeys(signingKeys);

  // The profile's scenario says what to seed and how many buyers; --seats / --ga / --buyers override it.
  const profile = findLoadTestProfile(values.env, values.profile);
  const { data } = scenario(profile.scenario, {
    ...profile.env,
    ...(values.seats === undefined ? {} : { SEATS: values.seats }),
    ...(values.ga === undefined ? {} : { GA: values.ga }),
    ...(values.buyers === undefined ? {} : { BUYERS: values.buyers }),
  });

  let eventId = values['event-id'];
  if (!eventId) {
    if (!values.seed || !values['gateway-url']) throw new StackError('Give --event-id ID, or --seed with --gateway-url https://<the environment domain>.');
    ({ eventId } = await seedOnsaleEvent(`${values['gateway-url'].replace(/\/+$/, '')}/api/catalog`, await mintPartnerToken(mint), data));
    log(`seeded event ${eventId}: ${data.seats} seats, ${data.gaCapacity} GA places`);
  }
  const testRun = renderTestRun(values.env, values.profile, allServices, eventId);
  const buyerTokens = await mintBuyerTokens(mint, data.buyers);

  const secret = { metadata: { name: k6TokensSecret, namespace: loadNs }, stringData: { BUYER_TOKENS: buyerTokens.join(',') } };
  await core.deleteNamespacedSecret({ name: k6TokensSecret, namespace: loadNs }).catch(ignoreNotFound);
  await core.createNamespacedSecret({ namespace: loadNs, body: secret });
  const testRunRef = { group: 'k6.io', version: 'v1alpha1', namespace: loadNs, plural: 'testruns', name: testRun.metadata.name };
  await custom.deleteNamespacedCustomObject(testRunRef).catch(ignoreNotFound);
  while (await custom.getNamespacedCustomObject(testRunRef).then(() => true, ignoreNotFound)) await sleep(1000);

  const samples: Sample[] = [];
  const sample = async () => {
    const [hpas, deployments] = await Promise.all([
      autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: app }),
      apps.listNamespacedDeployment({ namespace: app }),
    ]);
    const at = Date.now();
    samples.push({ at, hpas: hpas.items as unknown as HpaObject[], deployments: deployments.items as unknown as DeploymentObject[] });
    log(
      hpas.items.map((h) => `${h.metadata?.name} ${h.status?.currentReplicas ?? 0}→${h.status?.desiredReplicas ?? '?'}/${h.spec?.maxReplicas}`).join('  ') ||
        '(no HPA)',
    );
  };
  await sample();

  log(`creating TestRun ${testRun.metadata.name} (parallelism ${testRun.spec.parallelism}, event ${eventId})`);
  await custom.createNamespacedCustomObject({ ...testRunRef, body: testRun });
  let loadStartedAt: number | undefined;
  let loadEndedAt: number | undefined;
  let stage = '';
  for (;;) {
    await sleep(intervalMs);
    await sample().catch((error: unknown) => log(`sampling failed: ${(error as Error).message}`));
    const run = (await custom.getNamespacedCustomObject(testRunRef)) as { status?: { stage?: string } };
    const now = run.status?.stage ?? 'pending';
    if (now !== stage) log(`TestRun stage: ${(stage = now)}`);
    if (loadStartedAt === undefined && ['started', 'stopped', 'finished', 'error'].includes(stage)) loadStartedAt = Date.now();
    if (loadEndedAt === undefined && ['finished', 'error'].includes(stage)) {
      loadEndedAt = Date.now();
      log(`load over; watching the scale-down for up to ${cooldownMs / 1000} s`);
    }
    if (loadEndedAt !== undefined) {
      const report = analyseHpaTimeline(samples, { loadStartedAt: loadStartedAt!, loadEndedAt, expected });
      const settled = report.services.filter((s) => expected.includes(s.hpa)).every((s) => !s.scaledUp || s.scaledDown);
      if (settled || Date.now() - loadEndedAt > cooldownMs) break;
    }
  }

  const report = analyseHpaTimeline(samples, { loadStartedAt: loadStartedAt!, loadEndedAt, expected });
  const outDir = values.out ?? join(localDir, 'load-hpa', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'report.json'),
    `${JSON.stringify({ env: values.env, profile: values.profile, eventId, testRun: testRunRef.name, stage, ...report }, null, 2)}\n`,
  );
  for (const s of report.services) {
    const ratio = (value: number | undefined, target: number | undefined) => (value === undefined || !target ? undefined : value / target);
    const series = [
      { name: 'desired replicas', color: '#d62728', y: (p: (typeof s.timeline)[number]) => p.desired },
      { name: 'current replicas', color: '#1f77b4', y: (p: (typeof s.timeline)[number]) => p.current },
      { name: 'CPU ÷ target', color: '#2ca02c', y: (p: (typeof s.timeline)[number]) => ratio(p.cpuPercent, p.cpuTargetPercent) },
      { name: 'req/s per pod ÷ target', color: '#9467bd', y: (p: (typeof s.timeline)[number]) => ratio(p.requestRatePerPod, p.requestRateTarget) },
    ];
    const png = lineChartPng({
      title: `${s.hpa}: load ${Math.round((loadEndedAt! - loadStartedAt!) / 1000)} s from t=0, peak ${Math.round(Math.max(0, ...s.timeline.map((p) => p.requestRate ?? 0)))} req/s`,
      xLabel: 'seconds since the load started',
      yLabel: 'replicas · metric ÷ target',
      series: series.map((line) => ({
        name: line.name,
        color: line.color,
        points: s.timeline.flatMap((p) => {
          const y = line.y(p);
          return y === undefined || p.t < 0 ? [] : [{ x: p.t, y }];
        }),
      })),
    });
    writeFileSync(join(outDir, `${s.hpa}.png`), png);
  }
  process.stdout.write(`${formatHpaReport(report)}\nreport.json and timelines: ${outDir}\n`);
  return report.passed ? 0 : 1;
});

function ignoreNotFound(error: unknown): false {
  if ((error as { code?: number }).code === 404) return false;
  throw error;
}
