/**
 * promtool unit-test cases of the alert rules: for every alert, input series
 * under which it must fire (with the labels and expanded annotations
 * expected) and series under which it must stay silent. Per-service alerts
 * are exercised for every declared service, the others kept healthy.
 */
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import { alertRuleGroups, type AlertRule } from '../../observability/alert-rules.js';

export interface InputSeries {
  readonly series: string;
  readonly values: string;
}

export interface AlertCase {
  readonly alert: string;
  readonly title: string;
  readonly input: readonly InputSeries[];
  readonly evalTime: string;
  /** Expected alerts: extra labels (beyond the rule's own) and template expansions of the annotations; empty = must not fire. */
  readonly expect: readonly { readonly labels?: Record<string, string>; readonly expand?: Record<string, string> }[];
}

const healthyUp = (services: readonly ServiceDeclaration[]): InputSeries[] => services.map((s) => ({ series: `up{service="${s.name}"}`, values: '1x60' }));

function requests(service: string, status: string): InputSeries {
  return { series: `http_requests_total{service="${service}", route="/holds", method="POST", status="${status}"}`, values: '0+60x2000' };
}

function latency(service: string, fast: boolean): InputSeries[] {
  const base = `service="${service}", route="/holds", method="POST"`;
  return [
    { series: `http_request_duration_seconds_bucket{${base}, le="0.5"}`, values: fast ? '0+60x2000' : '0x2000' },
    { series: `http_request_duration_seconds_count{${base}}`, values: '0+60x2000' },
  ];
}

/** Cases of the alerts every service has; `bad` is the service made to fire. */
function perServiceCases(services: readonly ServiceDeclaration[], bad: ServiceDeclaration): AlertCase[] {
  const others = services.filter((s) => s !== bad);
  const hpa = (s: ServiceDeclaration, current: number) => {
    const labels = `namespace="ticketing", horizontalpodautoscaler="${s.name}"`;
    return [
      { series: `kube_horizontalpodautoscaler_status_current_replicas{${labels}}`, values: `${current}x30` },
      { series: `kube_horizontalpodautoscaler_spec_max_replicas{${labels}}`, values: `${s.scaling.maxReplicas}x30` },
    ];
  };
  const podSeries = (s: ServiceDeclaration) => ({
    series: `http_requests_total{service="${s.name}", namespace="ticketing", pod="${s.name}-1", route="/x", method="GET", status="200"}`,
    values: '0+1x30',
  });
  const restarts = (s: ServiceDeclaration, values: string) => ({
    series: `kube_pod_container_status_restarts_total{namespace="ticketing", container="${s.name}", pod="${s.name}-1"}`,
    values,
  });
  const cases: AlertCase[] = [
    {
      alert: 'ServiceDown',
      title: `${bad.name} scraped but down`,
      input: [{ series: `up{service="${bad.name}"}`, values: '0x10' }, ...healthyUp(others)],
      evalTime: '5m',
      expect: [{ labels: { service: bad.name } }],
    },
    { alert: 'ServiceDown', title: `${bad.name} up`, input: healthyUp(services), evalTime: '5m', expect: [] },
    {
      alert: 'PodCrashLooping',
      title: `${bad.name} restarting every minute`,
      input: [restarts(bad, '0+1x30'), ...others.map((s) => restarts(s, '0x30'))],
      evalTime: '25m',
      expect: [{ labels: { service: bad.name, pod: `${bad.name}-1` } }],
    },
    { alert: 'PodCrashLooping', title: `${bad.name} restarted twice`, input: services.map((s) => restarts(s, '0 0 1 1 2x30')), evalTime: '25m', expect: [] },
    {
      alert: 'HpaAtMaxReplicas',
      title: `${bad.name} at max for 20 minutes`,
      input: [...hpa(bad, bad.scaling.maxReplicas), ...others.flatMap((s) => hpa(s, s.scaling.minReplicas))],
      evalTime: '20m',
      expect: [
        {
          labels: { service: bad.name, namespace: 'ticketing', horizontalpodautoscaler: bad.name },
          expand: { '{{ $value }}': String(bad.scaling.maxReplicas) },
        },
      ],
    },
    {
      alert: 'HpaAtMaxReplicas',
      title: `${bad.name} below max`,
      input: services.flatMap((s) => hpa(s, s.scaling.maxReplicas - 1)),
      evalTime: '20m',
      expect: [],
    },
  ];
  const scaledOnRequests = services.filter((s) => s.scaling.targetRequestsPerSecondPerPod !== undefined);
  if (scaledOnRequests.includes(bad)) {
    cases.push(
      {
        alert: 'CustomMetricMissing',
        title: `${bad.name} has no per-pod request series`,
        input: scaledOnRequests.filter((s) => s !== bad).map(podSeries),
        evalTime: '15m',
        expect: [{ labels: { service: bad.name } }],
      },
      { alert: 'CustomMetricMissing', title: `${bad.name} has its per-pod series`, input: scaledOnRequests.map(podSeries), evalTime: '15m', expect: [] },
    );
  }
  return cases;
}

function sloCases(): AlertCase[] {
  const burn = (sli: 'Availability' | 'Latency', bad: boolean): AlertCase[] =>
    (['Fast', 'Slow'] as const).map((speed) => ({
      alert: `BookingApi${sli}BudgetBurn${speed}`,
      title: bad ? 'every request bad for 40 minutes' : 'every request good',
      input: sli === 'Availability' ? [requests('booking', bad ? '503' : '200')] : latency('booking', !bad),
      evalTime: '40m',
      expect: bad ? [{ labels: { service: 'booking' }, expand: { '{{ $value | humanizePercentage }}': '100%' } }] : [],
    }));
  return [...burn('Availability', true), ...burn('Availability', false), ...burn('Latency', true), ...burn('Latency', false)];
}

function bookingCases(): AlertCase[] {
  const gauge = (metric: string, values: string) => [{ series: `${metric}{service="booking", pod="booking-1"}`, values }];
  const booking = { service: 'booking' };
  return [
    {
      alert: 'OutboxBacklogGrowing',
      title: 'backlog grows by 5 a minute',
      input: gauge('booking_outbox_pending_messages', '0+5x40'),
      evalTime: '30m',
      expect: [{ labels: booking, expand: { '{{ $value }}': '150' } }],
    },
    {
      alert: 'OutboxBacklogGrowing',
      title: 'backlog large but steady',
      input: gauge('booking_outbox_pending_messages', '100x40'),
      evalTime: '30m',
      expect: [],
    },
    {
      alert: 'OutboxOldestMessageTooOld',
      title: 'oldest message 10 minutes old',
      input: gauge('booking_outbox_oldest_pending_age_seconds', '600x10'),
      evalTime: '5m',
      expect: [{ labels: booking, expand: { '{{ $value | humanizeDuration }}': '10m 0s' } }],
    },
    {
      alert: 'OutboxOldestMessageTooOld',
      title: 'oldest message 2 seconds old',
      input: gauge('booking_outbox_oldest_pending_age_seconds', '2x10'),
      evalTime: '5m',
      expect: [],
    },
    {
      alert: 'HoldsNotExpiring',
      title: 'three lapsed holds stay unswept',
      input: gauge('booking_holds_lapsed_unswept', '3x10'),
      evalTime: '8m',
      expect: [{ labels: booking, expand: { '{{ $value }}': '3' } }],
    },
    {
      alert: 'HoldsNotExpiring',
      title: 'lapsed holds are swept between scrapes',
      input: gauge('booking_holds_lapsed_unswept', '0 2 0 1 0 0 3 0 0 0'),
      evalTime: '8m',
      expect: [],
    },
    {
      alert: 'PaymentsStuckPending',
      title: 'a payment pending for 20 minutes',
      input: gauge('booking_payments_pending_oldest_age_seconds', '1200x10'),
      evalTime: '8m',
      expect: [{ labels: booking, expand: { '{{ $value | humanizeDuration }}': '20m 0s' } }],
    },
    {
      alert: 'PaymentsStuckPending',
      title: 'payments settle within seconds',
      input: gauge('booking_payments_pending_oldest_age_seconds', '4x10'),
      evalTime: '8m',
      expect: [],
    },
  ];
}

function waitingRoomCases(): AlertCase[] {
  const series = (metric: string, values: string) => ({ series: `${metric}{service="waiting-room", pod="waiting-room-1", event_id="e-1"}`, values });
  const room = (admitted: string, flowing: string) => [
    series('waiting_room_queue_length', '500x30'),
    series('waiting_room_admission_flowing', flowing),
    series('waiting_room_admitted_total', admitted),
  ];
  return [
    {
      alert: 'WaitingRoomAdmissionStalled',
      title: '500 wait, admission should flow, the admitted count stands still',
      input: room('100x30', '1x30'),
      evalTime: '15m',
      expect: [{ labels: { service: 'waiting-room', event_id: 'e-1' }, expand: { '{{ $value }}': '500', '{{ $labels.event_id }}': 'e-1' } }],
    },
    { alert: 'WaitingRoomAdmissionStalled', title: 'buyers admitted every minute', input: room('100+50x30', '1x30'), evalTime: '15m', expect: [] },
    {
      alert: 'WaitingRoomAdmissionStalled',
      title: 'held back on purpose (every shopper slot taken)',
      input: room('100x30', '0x30'),
      evalTime: '15m',
      expect: [],
    },
  ];
}

function dataStoreCases(): AlertCase[] {
  const pg = (values: string) => [{ series: 'cnpg_collector_up{namespace="ticketing", pod="ticketing-pg-1", cluster="ticketing-pg"}', values }];
  const kafka = (values: string) => [
    { series: 'kafka_server_replicamanager_underreplicatedpartitions{namespace="ticketing", pod="ticketing-kafka-broker-0"}', values },
  ];
  const lag = (values: string) => [
    { series: 'kafka_consumergroup_lag{namespace="ticketing", consumergroup="notifications", topic="ticket-bookings", partition="0"}', values },
  ];
  return [
    { alert: 'PostgresUnavailable', title: 'the only instance reports down', input: pg('0x10'), evalTime: '5m', expect: [{}] },
    { alert: 'PostgresUnavailable', title: 'not scraped at all', input: [], evalTime: '5m', expect: [{ labels: { namespace: 'ticketing' } }] },
    { alert: 'PostgresUnavailable', title: 'instance up', input: pg('1x10'), evalTime: '5m', expect: [] },
    { alert: 'KafkaUnavailable', title: 'partitions under-replicated', input: kafka('2x10'), evalTime: '8m', expect: [{}] },
    { alert: 'KafkaUnavailable', title: 'no broker scraped', input: [], evalTime: '8m', expect: [{ labels: { namespace: 'ticketing' } }] },
    { alert: 'KafkaUnavailable', title: 'brokers fully replicated', input: kafka('0x10'), evalTime: '8m', expect: [] },
    {
      alert: 'KafkaConsumerLagHigh',
      title: 'a group 5000 behind',
      input: lag('5000x20'),
      evalTime: '15m',
      expect: [
        {
          labels: { consumergroup: 'notifications', topic: 'ticket-bookings' },
          expand: { '{{ $labels.consumergroup }}': 'notifications', '{{ $labels.topic }}': 'ticket-bookings', '{{ $value }}': '5000' },
        },
      ],
    },
    { alert: 'KafkaConsumerLagHigh', title: 'a group 10 behind', input: lag('10x20'), evalTime: '15m', expect: [] },
  ];
}

export function alertCases(services: readonly ServiceDeclaration[]): AlertCase[] {
  return [...services.flatMap((s) => perServiceCases(services, s)), ...sloCases(), ...bookingCases(), ...waitingRoomCases(), ...dataStoreCases()];
}

/** The rule of an alert for one service (or the only one), whose labels and annotations a firing case expects. */
function ruleFor(services: readonly ServiceDeclaration[], alert: string, service: string | undefined): AlertRule {
  const rules = alertRuleGroups(services).flatMap((g) =>
    g.rules.filter((r) => r.alert === alert && (service === undefined || r.labels?.['service'] === service)),
  );
  if (rules.length !== 1) throw new Error(`expected one rule ${alert} for ${service ?? 'the platform'}, found ${rules.length}`);
  return rules[0]!;
}

function expand(text: string, replacements: Record<string, string>, labels: Record<string, string>): string {
  let out = text;
  for (const [from, to] of Object.entries(replacements)) out = out.replaceAll(from, to);
  out = out.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? '');
  if (/\{\{/.test(out)) throw new Error(`unexpanded template in "${out}" (labels ${JSON.stringify(labels)})`);
  return out;
}

/** A promtool `tests:` file for the cases, against `ruleFile`. */
export function promtoolTestFile(services: readonly ServiceDeclaration[], cases: readonly AlertCase[], ruleFile: string): Record<string, unknown> {
  return {
    rule_files: [ruleFile],
    evaluation_interval: '1m',
    tests: cases.map((c) => ({
      name: `${c.alert}: ${c.title}`,
      interval: '1m',
      input_series: c.input,
      alert_rule_test: [
        {
          eval_time: c.evalTime,
          alertname: c.alert,
          exp_alerts: c.expect.map((e) => {
            const rule = ruleFor(services, c.alert, e.labels?.['service']);
            const labels = { ...rule.labels, ...e.labels };
            const annotations = Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, expand(v, e.expand ?? {}, labels)]));
            return { exp_labels: labels, exp_annotations: annotations };
          }),
        },
      ],
    })),
  };
}
