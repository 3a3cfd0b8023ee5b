/**
 * What a load test did to the autoscalers, from samples of their status
 * (HorizontalPodAutoscaler autoscaling/v2 and the Deployment each scales):
 * per service, whether it scaled up while the load ran and back down after,
 * with a timeline of replicas, CPU and the request-rate metric against their
 * targets. Pure: `npm run load:hpa` feeds it live samples, the tests recorded ones.
 */

/** The parts of an autoscaling/v2 HorizontalPodAutoscaler this reads. */
export interface HpaObject {
  metadata: { name: string };
  spec: {
    scaleTargetRef: { kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: {
      type: string;
      resource?: { name: string; target: { type: string; averageUtilization?: number } };
      pods?: { metric: { name: string }; target: { type: string; averageValue?: string | number } };
    }[];
  };
  status: {
    currentReplicas?: number;
    desiredReplicas?: number;
    currentMetrics?:
      | {
          type: string;
          resource?: { name: string; current: { averageUtilization?: number } };
          pods?: { metric: { name: string }; current: { averageValue?: string | number } };
        }[]
      | null;
  };
}

/** The parts of a Deployment this reads. */
export interface DeploymentObject {
  metadata: { name: string };
  status?: { replicas?: number; readyReplicas?: number };
}

export interface Sample {
  /** Milliseconds since the epoch. */
  at: number;
  hpas: HpaObject[];
  deployments: DeploymentObject[];
}

export interface TimelinePoint {
  /** Seconds since the load started. */
  t: number;
  desired: number;
  current: number;
  ready: number | undefined;
  cpuPercent: number | undefined;
  cpuTargetPercent: number | undefined;
  /** The pods metric (requests per second per pod) and its target. */
  requestRatePerPod: number | undefined;
  requestRateTarget: number | undefined;
  /** Per-pod rate × current replicas. */
  requestRate: number | undefined;
}

export interface ServiceVerdict {
  hpa: string;
  deployment: string;
  minReplicas: number;
  maxReplicas: number;
  startReplicas: number;
  peakReplicas: number;
  /** Seconds after the load started that desired replicas first rose above the start. */
  scaledUpAfterSeconds: number | undefined;
  /** Seconds after the load ended that replicas were back at the start (or the minimum). */
  scaledDownAfterSeconds: number | undefined;
  scaledUp: boolean;
  scaledDown: boolean;
  /** The request-rate metric never had a value: the custom metrics pipeline is not serving it. */
  requestRateMetricMissing: boolean;
  timeline: TimelinePoint[];
}

export interface HpaReport {
  loadStartedAt: string;
  loadEndedAt: string | undefined;
  services: ServiceVerdict[];
  /** Every expected HPA was seen, scaled up under load and back down after. */
  expected: string[];
  passed: boolean;
}

/** Kubernetes quantities as numbers: "150", "1500m", "2k". */
export function quantity(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  const match = /^([0-9.]+)([mkMG]?)$/.exec(value.trim());
  if (!match) return undefined;
  const scale = { '': 1, m: 0.001, k: 1e3, M: 1e6, G: 1e9 }[match[2] as '' | 'm' | 'k' | 'M' | 'G'];
  return Number(match[1]) * scale;
}

function pointOf(hpa: HpaObject, deployment: DeploymentObject | undefined, t: number): TimelinePoint {
  const cpuSpec = hpa.spec.metrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
  const podsSpec = hpa.spec.metrics?.find((m) => m.type === 'Pods');
  const metrics = hpa.status.currentMetrics ?? [];
  const cpu = metrics.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
  const pods = metrics.find((m) => m.type === 'Pods' && m.pods?.metric.name === podsSpec?.pods?.metric.name);
  const current = hpa.status.currentReplicas ?? 0;
  const perPod = quantity(pods?.pods?.current.averageValue);
  return {
    t,
    desired: hpa.status.desiredReplicas ?? current,
    current,
    ready: deployment?.status?.readyReplicas,
    cpuPercent: cpu?.resource?.current.averageUtilization,
    cpuTargetPercent: cpuSpec?.resource?.target.averageUtilization,
    requestRatePerPod: perPod,
    requestRateTarget: quantity(podsSpec?.pods?.target.averageValue),
    requestRate: perPod === undefined ? undefined : perPod * current,
  };
}

export interface LoadWindow {
  loadStartedAt: number;
  /** Undefined: the load has not ended, so nothing can have scaled down after it yet. */
  loadEndedAt?: number;
  /** HPAs the load must scale (those it reaches); the others are reported only. @default every HPA seen */
  expected?: readonly string[];
}

/** Judges each HPA over the samples. */
export function analyseHpaTimeline(samples: readonly Sample[], { loadStartedAt, loadEndedAt, expected }: LoadWindow): HpaReport {
  const names = [...new Set(samples.flatMap((s) => s.hpas.map((h) => h.metadata.name)))].sort();
  const services = names.map((name): ServiceVerdict => {
    const seen = samples.flatMap((s) => {
      const hpa = s.hpas.find((h) => h.metadata.name === name);
      if (!hpa) return [];
      const deployment = s.deployments.find((d) => d.metadata.name === hpa.spec.scaleTargetRef.name);
      return [{ at: s.at, hpa, point: pointOf(hpa, deployment, (s.at - loadStartedAt) / 1000) }];
    });
    const first = seen[0]!;
    const before = seen.filter((s) => s.at <= loadStartedAt);
    const startReplicas = (before.at(-1) ?? first).point.current;
    const minReplicas = first.hpa.spec.minReplicas ?? 1;
    const during = seen.filter((s) => s.at >= loadStartedAt && (loadEndedAt === undefined || s.at <= loadEndedAt));
    const up = during.find((s) => s.point.desired > startReplicas || s.point.current > startReplicas);
    const peakReplicas = Math.max(startReplicas, ...seen.map((s) => s.point.current));
    const backTo = Math.max(minReplicas, startReplicas);
    const down =
      up && loadEndedAt !== undefined
        ? seen.find((s) => s.at >= loadEndedAt && s.at > up.at && s.point.current <= backTo && s.point.desired <= backTo)
        : undefined;
    return {
      hpa: name,
      deployment: first.hpa.spec.scaleTargetRef.name,
      minReplicas,
      maxReplicas: first.hpa.spec.maxReplicas,
      startReplicas,
      peakReplicas,
      scaledUpAfterSeconds: up && (up.at - loadStartedAt) / 1000,
      scaledDownAfterSeconds: down && loadEndedAt !== undefined ? (down.at - loadEndedAt) / 1000 : undefined,
      scaledUp: up !== undefined,
      scaledDown: down !== undefined,
      requestRateMetricMissing: first.hpa.spec.metrics?.some((m) => m.type === 'Pods') === true && seen.every((s) => s.point.requestRatePerPod === undefined),
      timeline: seen.map((s) => s.point),
    };
  });
  return {
    loadStartedAt: new Date(loadStartedAt).toISOString(),
    loadEndedAt: loadEndedAt === undefined ? undefined : new Date(loadEndedAt).toISOString(),
    services,
    expected: [...(expected ?? names)],
    passed: (expected ?? names).every((name) => services.some((s) => s.hpa === name && s.scaledUp && s.scaledDown)),
  };
}

/** The report as lines a person reads at the end of a run. */
export function formatHpaReport(report: HpaReport): string {
  const lines = [`Autoscaling (load ${report.loadStartedAt} → ${report.loadEndedAt ?? 'still running'}):`];
  for (const s of report.services) {
    const up = s.scaledUp
      ? `scaled up ${s.startReplicas} → ${s.peakReplicas} (of ${s.maxReplicas}) after ${Math.round(s.scaledUpAfterSeconds!)} s`
      : 'did NOT scale up';
    const down = !s.scaledUp ? '' : s.scaledDown ? `, back down ${Math.round(s.scaledDownAfterSeconds!)} s after the load` : ', did NOT come back down';
    const missing = s.requestRateMetricMissing ? ' — request-rate metric <unknown>: is prometheus-adapter serving it?' : '';
    lines.push(`  ${s.hpa.padEnd(12)} ${up}${down}${missing}`);
  }
  const missing = report.expected.filter((name) => !report.services.some((s) => s.hpa === name));
  if (missing.length > 0) lines.push(`  no HPA named ${missing.join(', ')} was seen`);
  lines.push(
    report.passed
      ? `${report.expected.join(', ')} scaled up under load and back down after.`
      : `Not all of ${report.expected.join(', ')} scaled up and back down.`,
  );
  return lines.join('\n');
}
