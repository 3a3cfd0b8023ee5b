/**
 * Prometheus recording and alerting rules of the platform, rendered as one
 * PrometheusRule that kube-prometheus-stack picks up (its rule selector takes
 * every PrometheusRule). Per-service rules come from the declarations, so a
 * new service gets them without an edit here. Every alert links its runbook
 * in docs/runbooks/<runbook>.md (a chart test keeps both sets equal).
 */
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import { dataStores, gitRepository, namespaces, requestRateMetric } from '../settings.js';
import { burnRateWindows, errorBudget, sliErrorRatio, sliWindows, sloService, slos, type SliName } from './slos.js';

export interface AlertRule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/** Thresholds of the alerts that are not SLOs. */
export const alertThresholds = {
  /** Oldest unpublished outbox row (s): the relay normally drains within a second. */
  outboxOldestPendingSeconds: 300,
  /** Messages a consumer group may be behind before it is paged. */
  consumerLagMessages: 1000,
  /** A payment pending longer than this (s) was lost between provider and reconciliation. */
  paymentPendingSeconds: 900,
  /** Container restarts within 15 minutes that count as crash looping. */
  restartsIn15m: 3,
} as const;

/** `docs/runbooks/<name>.md` on the branch Argo CD follows. */
export function runbookUrl(runbook: string): string {
  return `${gitRepository.url.replace(/\.git$/, '')}/blob/${gitRepository.revision}/docs/runbooks/${runbook}.md`;
}

/** kebab-case file name of an alert's runbook: BookingOutboxStalled -> booking-outbox-stalled. */
export function runbookName(alert: string): string {
  return alert.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

function alert(
  name: string,
  a: { expr: string; for: string; severity: 'critical' | 'warning'; summary: string; description: string; labels?: Record<string, string> },
): AlertRule {
  return {
    alert: name,
    expr: a.expr,
    for: a.for,
    labels: { severity: a.severity, ...a.labels },
    annotations: { summary: a.summary, description: a.description, runbook_url: runbookUrl(runbookName(name)) },
  };
}

const capitalised = (word: string): string => word[0]!.toUpperCase() + word.slice(1);

/** Selector of a service's API traffic: everything but probes and scrapes. */
export function apiSelector(s: ServiceDeclaration): string {
  const internal = [s.health.liveness, s.health.readiness, s.metricsPath].join('|');
  return `service="${s.name}", route!~"${internal}"`;
}

/** Bad / all requests of one SLI of the SLO service, over a window. */
function sliErrorRatioExpr(sli: SliName, s: ServiceDeclaration, window: string): string {
  const sel = apiSelector(s);
  const all = `sum(rate(http_requests_total{${sel}}[${window}]))`;
  if (sli === 'availability') return `sum(rate(http_requests_total{${sel}, status=~"5.."}[${window}])) / ${all}`;
  const fast = `sum(rate(http_request_duration_seconds_bucket{${sel}, le="${slos.latency.thresholdSeconds}"}[${window}]))`;
  return `1 - ${fast} / sum(rate(http_request_duration_seconds_count{${sel}}[${window}]))`;
}

const sliTitles: Record<SliName, string> = {
  availability: `answers without a 5xx (objective ${slos.availability.objective * 100} %)`,
  latency: `answers within ${slos.latency.thresholdSeconds * 1000} ms (objective ${slos.latency.objective * 100} %)`,
};

function sloRules(s: ServiceDeclaration): RuleGroup[] {
  const slis: SliName[] = ['availability', 'latency'];
  const recording: AlertRule[] = slis.flatMap((sli) =>
    sliWindows.map((w) => ({ record: sliErrorRatio(sli, w), expr: sliErrorRatioExpr(sli, s, w), labels: { service: s.name } })),
  );
  const burn = (sli: SliName, windows: readonly (typeof burnRateWindows)[number][]) =>
    windows
      .map((w) => `(${sliErrorRatio(sli, w.long)} > ${w.factor} * ${errorBudget(sli)} and ${sliErrorRatio(sli, w.short)} > ${w.factor} * ${errorBudget(sli)})`)
      .join(' or ');
  // A page for the fast windows, a ticket for the slow ones.
  const speeds = [
    { name: 'Fast', severity: 'critical', for: '2m', how: 'fast', outcome: 'is gone in under two days' },
    { name: 'Slow', severity: 'warning', for: '15m', how: 'steadily', outcome: 'runs out before the period ends' },
  ] as const;
  const title = capitalised(sloService);
  const alerts = slis.flatMap((sli) =>
    speeds.map((speed) =>
      alert(`${title}Api${capitalised(sli)}BudgetBurn${speed.name}`, {
        expr: burn(
          sli,
          burnRateWindows.filter((w) => w.severity === speed.severity),
        ),
        for: speed.for,
        severity: speed.severity,
        labels: { service: s.name },
        summary: `The ${s.name} API burns its ${sli} error budget ${speed.how}.`,
        description: `At this rate the ${slos.period} budget of ${s.name} ${sliTitles[sli]} ${speed.outcome} ({{ $value | humanizePercentage }} of requests bad).`,
      }),
    ),
  );
  return [
    { name: `ticketing.slo.${s.name}.recording`, rules: recording },
    { name: `ticketing.slo.${s.name}.alerts`, rules: alerts },
  ];
}

/** Alerts every service gets from its declaration: down, crash looping, autoscaling stuck or blind. */
function serviceRules(s: ServiceDeclaration): AlertRule[] {
  const hpa = `namespace="${namespaces.app}", horizontalpodautoscaler="${s.name}"`;
  const rules = [
    alert('ServiceDown', {
      expr: `sum(up{service="${s.name}"}) == 0 or absent(up{service="${s.name}"})`,
      for: '2m',
      severity: 'critical',
      labels: { service: s.name },
      summary: `No ${s.name} pod is being scraped successfully.`,
      description: `${s.description} Prometheus has had no healthy ${s.name} target for 2 minutes.`,
    }),
    alert('PodCrashLooping', {
      expr: `sum by (pod) (increase(kube_pod_container_status_restarts_total{namespace="${namespaces.app}", container="${s.name}"}[15m])) > ${alertThresholds.restartsIn15m}`,
      for: '5m',
      severity: 'critical',
      labels: { service: s.name },
      summary: `A ${s.name} pod keeps restarting.`,
      description: `Pod {{ $labels.pod }} restarted more than ${alertThresholds.restartsIn15m} times in 15 minutes.`,
    }),
    alert('HpaAtMaxReplicas', {
      expr: `kube_horizontalpodautoscaler_status_current_replicas{${hpa}} >= kube_horizontalpodautoscaler_spec_max_replicas{${hpa}}`,
      for: '15m',
      severity: 'warning',
      labels: { service: s.name },
      summary: `${s.name} has run at its maximum replicas for 15 minutes.`,
      description: `The ${s.name} HPA cannot add pods ({{ $value }} running); load beyond this is served slower or refused.`,
    }),
  ];
  if (s.scaling.targetRequestsPerSecondPerPod !== undefined) {
    // The same series prometheus-adapter's rule selects (charts/addons.ts): none means the HPA gets no custom metric.
    rules.push(
      alert('CustomMetricMissing', {
        expr: `absent(${requestRateMetric.sourceCounter}{service="${s.name}", namespace!="", pod!=""})`,
        for: '10m',
        severity: 'warning',
        labels: { service: s.name },
        summary: `The custom metrics API serves no ${requestRateMetric.name} for ${s.name}.`,
        description: `prometheus-adapter finds no ${requestRateMetric.sourceCounter} series of ${s.name} pods, so its HPA scales on CPU alone.`,
      }),
    );
  }
  return rules;
}

/** The booking service's own workflows: outbox relay, hold sweeper, payment reconciliation. */
function bookingRules(s: ServiceDeclaration): AlertRule[] {
  const sel = `service="${s.name}"`;
  return [
    alert('OutboxBacklogGrowing', {
      expr: `max by (service) (booking_outbox_pending_messages{${sel}}) > 0 and max by (service) (deriv(booking_outbox_pending_messages{${sel}}[10m])) > 0`,
      for: '10m',
      severity: 'warning',
      labels: { service: s.name },
      summary: `The ${s.name} outbox backlog has grown for 10 minutes.`,
      description: 'The backlog ({{ $value }} messages) has grown for 10 minutes: more is written than the relay publishes to Kafka.',
    }),
    alert('OutboxOldestMessageTooOld', {
      expr: `max by (service) (booking_outbox_oldest_pending_age_seconds{${sel}}) > ${alertThresholds.outboxOldestPendingSeconds}`,
      for: '2m',
      severity: 'critical',
      labels: { service: s.name },
      summary: `A ${s.name} outbox message has waited over ${alertThresholds.outboxOldestPendingSeconds / 60} minutes.`,
      description: 'The oldest unpublished message is {{ $value | humanizeDuration }} old: consumers do not hear of bookings.',
    }),
    alert('HoldsNotExpiring', {
      expr: `max by (service) (booking_holds_lapsed_unswept{${sel}}) > 0`,
      for: '5m',
      severity: 'critical',
      labels: { service: s.name },
      summary: 'Lapsed holds are not being expired (the sweeper is stalled).',
      description: '{{ $value }} holds past their expiry still keep their seats off sale.',
    }),
    alert('PaymentsStuckPending', {
      expr: `max by (service) (booking_payments_pending_oldest_age_seconds{${sel}}) > ${alertThresholds.paymentPendingSeconds}`,
      for: '5m',
      severity: 'warning',
      labels: { service: s.name },
      summary: `A payment has been pending for over ${alertThresholds.paymentPendingSeconds / 60} minutes.`,
      description: 'The oldest pending payment is {{ $value | humanizeDuration }} old; reconciliation does not settle it.',
    }),
  ];
}

/**
 * The waiting room: buyers wait while admission should flow (onsale passed,
 * not sold out, a shopper slot free) yet nobody was admitted for 5 minutes.
 * A dead scheduler leaves its last gauges behind, so this fires for it too.
 */
function waitingRoomRules(s: ServiceDeclaration): AlertRule[] {
  const sel = `service="${s.name}"`;
  return [
    alert('WaitingRoomAdmissionStalled', {
      expr:
        `max by (event_id) (waiting_room_queue_length{${sel}}) > 0` +
        ` and max by (event_id) (waiting_room_admission_flowing{${sel}}) == 1` +
        ` and sum by (event_id) (increase(waiting_room_admitted_total{${sel}}[5m])) == 0`,
      for: '5m',
      severity: 'critical',
      labels: { service: s.name },
      summary: 'Buyers wait in a waiting room but nobody is admitted.',
      description: '{{ $value }} buyers wait for event {{ $labels.event_id }}, admission should flow, and none was admitted for 10 minutes.',
    }),
  ];
}

/** Shared data stores, from their operators' exporters. */
function dataStoreRules(): AlertRule[] {
  const pg = `namespace="${namespaces.app}", pod=~"${dataStores.postgres.cluster}-[0-9]+"`;
  const kafka = `namespace="${namespaces.app}", pod=~"${dataStores.kafka.cluster}-.*"`;
  return [
    alert('PostgresUnavailable', {
      expr: `max(cnpg_collector_up{${pg}}) < 1 or absent(cnpg_collector_up{${pg}})`,
      for: '2m',
      severity: 'critical',
      summary: `PostgreSQL cluster ${dataStores.postgres.cluster} is down.`,
      description: 'No instance reports PostgreSQL up: every write (holds, bookings, payments) fails with 503.',
    }),
    alert('KafkaUnavailable', {
      expr: `absent(kafka_server_replicamanager_underreplicatedpartitions{${kafka}}) or sum(kafka_server_replicamanager_underreplicatedpartitions{${kafka}}) > 0`,
      for: '5m',
      severity: 'critical',
      summary: `Kafka cluster ${dataStores.kafka.cluster} is down or under-replicated.`,
      description: 'No broker is scraped, or partitions lack replicas: the outbox backs up and consumers stall.',
    }),
    alert('KafkaConsumerLagHigh', {
      expr: `sum by (consumergroup, topic) (kafka_consumergroup_lag{${`namespace="${namespaces.app}"`}}) > ${alertThresholds.consumerLagMessages}`,
      for: '10m',
      severity: 'warning',
      summary: 'A Kafka consumer group is falling behind.',
      description: 'Group {{ $labels.consumergroup }} is {{ $value }} messages behind on {{ $labels.topic }}.',
    }),
  ];
}

export function alertRuleGroups(services: readonly ServiceDeclaration[]): RuleGroup[] {
  const slo = services.find((s) => s.name === sloService);
  const booking = services.find((s) => s.name === 'booking');
  const waitingRoom = services.find((s) => s.name === 'waiting-room');
  return [
    { name: 'ticketing.services', rules: services.flatMap(serviceRules) },
    ...(slo ? sloRules(slo) : []),
    ...(booking ? [{ name: 'ticketing.booking', rules: bookingRules(booking) }] : []),
    ...(waitingRoom ? [{ name: 'ticketing.waiting-room', rules: waitingRoomRules(waitingRoom) }] : []),
    { name: 'ticketing.data-stores', rules: dataStoreRules() },
  ];
}

/** Names of every alert the rules can raise (each has a runbook). */
export function alertNames(services: readonly ServiceDeclaration[]): string[] {
  return [...new Set(alertRuleGroups(services).flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : []))))].sort();
}
