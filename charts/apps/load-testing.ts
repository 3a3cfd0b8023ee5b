import { readFileSync } from 'node:fs';
import { ApiObject, App, Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import type { EnvironmentSettings } from '../environments.js';
import { namespaces, partOf } from '../settings.js';
import { scenario, type ScenarioName } from '../../load-testing/scenarios.js';

/**
 * Load tests run inside the cluster by the k6-operator (add-on `k6-operator`):
 * the onsale k6 script and the modules it imports as a ConfigMap (dist/<env>/load-testing.k8s.yaml, synced
 * by Argo CD), and one TestRun per profile. A TestRun starts a test when it is
 * applied, so it is never in dist/: `npm run load:hpa` renders it with
 * `renderTestRun` (filling in the run's event) and creates it.
 */

/** The k6 runner image (k6 v1 runs the TypeScript script as it is). Pinned. */
export const k6RunnerImage = 'grafana/k6:1.0.0';
/** The ConfigMap holding load-testing/onsale.ts (and what it imports), and the key k6 runs. */
export const k6Script = { configMap: 'k6-onsale-script', file: 'onsale.ts' } as const;
/** Secret `npm run load:hpa` writes per run: BUYER_TOKENS. */
export const k6TokensSecret = 'k6-onsale-tokens';
/** Labels the k6-operator puts on runner pods; the services' network policies admit them. */
export const k6RunnerPodLabels = { app: 'k6', runner: 'true' } as const;

export interface LoadTestProfile {
  /** TestRun name: `onsale-<profile>`. */
  readonly name: string;
  /** SCENARIO of the k6 script (load-testing/scenarios.ts). */
  readonly scenario: ScenarioName;
  /** Runner pods; k6 splits the arrival rate across them (execution segments). */
  readonly parallelism: number;
  /** The scenario's knobs for this profile (load-testing/README.md). */
  readonly env: Readonly<Record<string, string>>;
}

/** Environments that run load tests, and their profiles. Production has none. */
export const loadTestProfiles: Partial<Record<EnvironmentSettings['name'], readonly LoadTestProfile[]>> = {
  dev: [
    // One buyer through every public endpoint: a post-deploy check.
    { name: 'smoke', scenario: 'smoke', parallelism: 1, env: {} },
    // 1× → 10× arrivals in 10 s: 40 → 400 buyers/s (~1,600 req/s), from 4 pods; latency limits ×1.6 (holds p95 800 ms).
    {
      name: 'spike',
      scenario: 'spike',
      parallelism: 4,
      // ~100,000 buyers race for 7,000 places (npm run load:hpa seeds SEATS + GA).
      env: {
        SPIKE_BASE_RATE: '40',
        SPIKE_WARMUP: '30s',
        SPIKE_HOLD: '4m',
        SPIKE_COOLDOWN: '1m',
        SPIKE_MAX_VUS: '2000',
        LATENCY_SCALE: '1.6',
        SEATS: '5000',
        GA: '2000',
        BUYERS: '2000',
      },
    },
    // Steady 20 buyers/s for 30 minutes from 2 pods, on a venue that does not sell out.
    { name: 'soak', scenario: 'soak', parallelism: 2, env: { SOAK_RATE: '20', SOAK_DURATION: '30m', SEATS: '20000', GA: '10000', BUYERS: '2000' } },
  ],
};

const loadTestingDir = new URL('../../load-testing/', import.meta.url);

/**
 * The k6 script and every module it imports, by file name: the runners mount
 * the ConfigMap as one directory, where k6 resolves `./scenarios.ts` next to
 * the script. Imports are followed from the script, so a new module ships
 * with it; one outside load-testing/ (or in a subfolder) cannot be a key.
 */
export function k6ScriptFiles(entry: string = k6Script.file): Record<string, string> {
  const files: Record<string, string> = {};
  const visit = (file: string) => {
    if (files[file] !== undefined) return;
    const text = readFileSync(new URL(file, loadTestingDir), 'utf8');
    files[file] = text;
    for (const [, specifier] of text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gm)) {
      if (!specifier!.startsWith('.')) continue; // k6's own modules (k6, k6/http, …)
      const match = /^\.\/([\w.-]+\.ts)$/.exec(specifier!);
      if (!match) throw new Error(`load-testing/${file} imports ${specifier}: the k6 script's modules sit next to it (./<name>.ts) so they fit one ConfigMap`);
      visit(match[1]!);
    }
  };
  visit(entry);
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
}

/** In-cluster base URL of a service (its Service in the app namespace). */
const serviceUrl = (d: ServiceDeclaration) => `http://${d.name}.${namespaces.app}.svc:${d.port}`;

/** The script the runners load; Argo CD syncs it with the add-on. */
export class LoadTestingChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    new ApiObject(this, 'script', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: k6Script.configMap, namespace: namespaces.loadTesting, labels: { 'app.kubernetes.io/part-of': partOf } },
      data: k6ScriptFiles(),
    });
  }
}

export interface TestRunChartProps extends ChartProps {
  readonly profile: LoadTestProfile;
  readonly allServices: readonly ServiceDeclaration[];
}

/** One TestRun (k6.io/v1alpha1) of a profile; EVENT_ID is filled in by `npm run load:hpa`. */
export class TestRunChart extends Chart {
  constructor(scope: Construct, id: string, props: TestRunChartProps) {
    super(scope, id, props);
    const { profile } = props;
    // The knobs must make a scenario: a typo fails here, not in the runner pods.
    scenario(profile.scenario, profile.env);
    // Through the public entry (the gateway), the path buyers take; only it admits the runner pods.
    const entry = props.allServices.find((s) => s.publicEntry);
    if (!entry) throw new Error('load tests go through the public entry, and no service is declared one');
    const env = {
      SCENARIO: profile.scenario,
      CATALOG_URL: `${serviceUrl(entry)}/api/catalog`,
      BOOKING_URL: `${serviceUrl(entry)}/api/booking`,
      EVENT_ID: '',
      ...profile.env,
    };
    new ApiObject(this, 'testrun', {
      apiVersion: 'k6.io/v1alpha1',
      kind: 'TestRun',
      metadata: { name: `onsale-${profile.name}`, namespace: namespaces.loadTesting, labels: { 'app.kubernetes.io/part-of': partOf } },
      spec: {
        parallelism: profile.parallelism,
        script: { configMap: { name: k6Script.configMap, file: k6Script.file } },
        // Each runner tags its samples; --out stays local (the summary is in each runner's log).
        arguments: `--tag testid=onsale-${profile.name}`,
        runner: {
          image: k6RunnerImage,
          env: Object.entries(env).map(([name, value]) => ({ name, value })),
          envFrom: [{ secretRef: { name: k6TokensSecret } }],
          resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
          securityContext: { runAsNonRoot: true, runAsUser: 12345, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      },
    });
  }
}

/** A load-test profile of an environment, or an error naming the ones it has. */
export function findLoadTestProfile(envName: EnvironmentSettings['name'], profileName: string): LoadTestProfile {
  const profile = loadTestProfiles[envName]?.find((p) => p.name === profileName);
  if (!profile) {
    const known = (loadTestProfiles[envName] ?? []).map((p) => p.name);
    throw new Error(
      `environment ${envName} has no load-test profile ${profileName}${known.length ? ` (it has ${known.join(', ')})` : ' (it runs no load tests)'}`,
    );
  }
  return profile;
}

/** The TestRun object of a profile of an environment, with the run's event. */
export function renderTestRun(envName: EnvironmentSettings['name'], profileName: string, allServices: readonly ServiceDeclaration[], eventId: string) {
  const profile = findLoadTestProfile(envName, profileName);
  const [testRun] = new TestRunChart(new App(), `onsale-${profile.name}`, { profile, allServices }).toJson() as [TestRunObject];
  const runnerEnv = testRun!.spec.runner.env.map((e) => (e.name === 'EVENT_ID' ? { ...e, value: eventId } : e));
  return { ...testRun!, spec: { ...testRun!.spec, runner: { ...testRun!.spec.runner, env: runnerEnv } } };
}

export interface TestRunObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    parallelism: number;
    script: { configMap: { name: string; file: string } };
    arguments: string;
    runner: { image: string; env: { name: string; value: string }[]; envFrom: unknown[]; resources: unknown; securityContext: unknown };
  };
}
