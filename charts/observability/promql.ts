/**
 * Every PromQL expression the platform ships: dashboard panels, recording
 * rules, alert rules and prometheus-adapter rules, each flagged with what it
 * needs to return data, so a test against a real Prometheus scraping the
 * local services knows what to expect of each:
 * - clusterOnly: it reads series only a cluster has (kube-state-metrics,
 *   cAdvisor, CloudNativePG, Strimzi/Kafka exporter) or labels only the
 *   Kubernetes service discovery adds (namespace, pod). Locally: parse only.
 * - incidentOnly: healthy traffic leaves it empty (a 5xx ratio, an error
 *   counter, an alert condition). Locally: check its selectors' metrics exist.
 */
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import { prometheusAdapterRules } from '../addons.js';
import { namespaces } from '../settings.js';
import { alertRuleGroups } from './alert-rules.js';
import { dashboardQueries } from './dashboards.js';

export interface PromqlExpression {
  /** Where it comes from, e.g. `alert KafkaUnavailable` or `dashboard ticketing-overview / booking: latency`. */
  readonly source: string;
  readonly kind: 'dashboard' | 'recording' | 'alert' | 'adapter';
  /** Ready to send to Prometheus: Grafana's and the adapter's template variables replaced. */
  readonly expr: string;
  readonly clusterOnly: boolean;
  readonly incidentOnly: boolean;
  /** Why it is flagged (empty when it must return data locally). */
  readonly reasons: readonly string[];
}

/** Series prefixes that only the cluster's exporters produce. */
const clusterSeries = ['kube_', 'container_', 'cnpg_', 'kafka_consumergroup_', 'kafka_server_'];
/** Label matchers only Kubernetes service discovery makes true. */
const clusterLabels = [/\bnamespace(!=""|="|=~")/, /\bpod(!=""|=~?")/];
/** Selectors whose series only move when something goes wrong (or, for consumers, once a consuming service exists). */
const incidentSelectors: readonly { pattern: RegExp; why: string }[] = [
  { pattern: /status=~"5\.\."/, why: '5xx responses' },
  { pattern: /status=~"4\.\."/, why: '4xx responses' },
  { pattern: /\bhttp_problems_total\b/, why: 'problem answers' },
  { pattern: /\bbooking_hold_rejections_total\b/, why: 'holds refused (sold out)' },
  { pattern: /\bdb_errors_total\b/, why: 'database errors' },
  { pattern: /\bkafka_produce_errors_total\b/, why: 'Kafka produce errors' },
  { pattern: /\bkafka_consumer_(lag|messages_total)\b/, why: 'no service consumes Kafka yet' },
  { pattern: /\bbooking_late_payments_total\b/, why: 'late payment callbacks' },
  { pattern: /outcome="dead_lettered"/, why: 'dead letters' },
];

/** Grafana's interval variables as a fixed window the local Prometheus can answer. */
function concrete(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '1m').replaceAll('$__auto', '1m');
}

function classify(source: string, kind: PromqlExpression['kind'], raw: string): PromqlExpression {
  const expr = concrete(raw);
  const cluster = [
    ...clusterSeries.filter((p) => new RegExp(`\\b${p}[a-z_]+`).test(expr)).map((p) => `${p}* series`),
    ...clusterLabels.filter((l) => l.test(expr)).map((l) => `Kubernetes label ${l.source.split('(')[0]!.replace('\\b', '')}`),
  ];
  const incident = incidentSelectors.filter((s) => s.pattern.test(expr)).map((s) => s.why);
  if (kind === 'alert') incident.push('alert condition (empty while healthy)');
  return { source, kind, expr, clusterOnly: cluster.length > 0, incidentOnly: incident.length > 0, reasons: [...new Set([...cluster, ...incident])] };
}

/** Every PromQL expression of dashboards, rules and prometheus-adapter, flagged. */
export function promqlExpressions(services: readonly ServiceDeclaration[]): PromqlExpression[] {
  const rules = alertRuleGroups(services).flatMap((g) =>
    g.rules.map((r) =>
      r.alert ? classify(`alert ${r.alert} (${r.labels?.['service'] ?? g.name})`, 'alert', r.expr) : classify(`recording ${r.record}`, 'recording', r.expr),
    ),
  );
  const adapter = prometheusAdapterRules.flatMap((r) => [
    classify(`prometheus-adapter seriesQuery ${r.name.as}`, 'adapter', r.seriesQuery),
    // The query the adapter sends when the HPA asks for one namespace's pods.
    classify(
      `prometheus-adapter metricsQuery ${r.name.as}`,
      'adapter',
      r.metricsQuery
        .replace('<<.Series>>', r.name.matches.replace(/^\^|\$$/g, ''))
        .replace('<<.LabelMatchers>>', `namespace="${namespaces.app}",pod=~".+"`)
        .replace('<<.GroupBy>>', 'pod'),
    ),
  ]);
  const panels = dashboardQueries(services).map((q) => classify(q.source, 'dashboard', q.expr));
  return [...panels, ...rules, ...adapter];
}
