/**
 * Grafana dashboards of the platform, built with the Grafana Foundation SDK.
 * Each entry becomes a ConfigMap labelled `grafana_dashboard=1`, which the
 * Grafana sidecar of kube-prometheus-stack loads (folder from the
 * `grafana_folder` annotation). Per-service rows come from the declarations,
 * so a new service shows up without an edit here. Every panel queries the
 * dashboard's datasource variable, has a unit, and every dashboard links to
 * the others (tag `ticketing`).
 */
import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import { LegendDisplayMode, LegendPlacement, VizLegendOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import {
  CustomVariableBuilder,
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  RowBuilder,
  TextBoxVariableBuilder,
  type Dashboard,
  type Panel,
  type RowPanel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as LogsPanelBuilder } from '@grafana/grafana-foundation-sdk/logs';
import { DataqueryBuilder as LokiQueryBuilder } from '@grafana/grafana-foundation-sdk/loki';
import { DataqueryBuilder as PromQueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import * as units from '@grafana/grafana-foundation-sdk/units';
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import { dataStores, namespaces, requestRateMetric } from '../settings.js';
import { apiSelector } from './alert-rules.js';
import { burnRateWindows, errorBudget, sliErrorRatio, sloService, slos, type SliName } from './slos.js';

export interface DashboardDefinition {
  /** DNS-safe name: ConfigMap `dashboard-<name>`, file `<name>.json`. */
  readonly name: string;
  /** Grafana folder. */
  readonly folder: string;
  /** The dashboard model (Grafana JSON). */
  readonly dashboard: Dashboard;
}

/** Tag every platform dashboard carries; the dashboards link to each other through it. */
const tag = 'ticketing';
const folder = 'Ticketing';
const promVar = 'datasource';
const lokiVar = 'loki';
const prometheus = { type: 'prometheus', uid: `\${${promVar}}` };
const loki = { type: 'loki', uid: `\${${lokiVar}}` };

/** One PromQL query of a panel. */
interface Query {
  readonly expr: string;
  readonly legend: string;
}

/** A time-series panel over Prometheus. */
function graph(title: string, unit: string, queries: readonly Query[], description?: string): TimeseriesPanelBuilder {
  const panel = new TimeseriesPanelBuilder()
    .title(title)
    .unit(unit)
    .datasource(prometheus)
    .span(8)
    .height(8)
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom));
  if (description) panel.description(description);
  if (unit === units.PercentUnit || unit === units.Seconds || unit === units.RequestsPerSecond || unit === units.Short) panel.min(0);
  queries.forEach((q, i) =>
    panel.withTarget(
      new PromQueryBuilder()
        .expr(q.expr)
        .legendFormat(q.legend)
        .refId(String.fromCharCode(65 + i))
        .datasource(prometheus),
    ),
  );
  return panel;
}

function dashboard(uid: string, title: string, description: string): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags([tag])
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder(promVar).label('Prometheus').type('prometheus'))
    .link(new DashboardLinkBuilder('Ticketing').type(DashboardLinkType.Dashboards).tags([tag]).asDropdown(true).includeVars(true).keepTime(true));
}

/**
 * The SDK collapses a row it adds panels to (Grafana keeps an expanded row's
 * panels after the row, not in it). Operators should see every row open, so
 * rows are expanded and their panels moved after them; and every panel gets
 * a unique id, which the SDK leaves unset.
 */
function numbered(d: Dashboard): Dashboard {
  const flat = (d.panels ?? []).flatMap((p) => (p.type === 'row' ? [{ ...p, collapsed: false, panels: [] }, ...((p as RowPanel).panels ?? [])] : [p]));
  flat.forEach((p, i) => (p.id = i + 1));
  return { ...d, panels: flat };
}

const rate = (metric: string, selector: string, by = '', window = '$__rate_interval') =>
  `sum${by ? ` by (${by})` : ''} (rate(${metric}{${selector}}[${window}]))`;
const quantile = (q: number, metric: string, selector: string, by = '') =>
  `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (rate(${metric}_bucket{${selector}}[$__rate_interval])))`;

function servicePanels(s: ServiceDeclaration): Builder<Panel>[] {
  const api = apiSelector(s);
  const sel = `service="${s.name}"`;
  return [
    graph(`${s.name}: requests`, units.RequestsPerSecond, [{ expr: rate('http_requests_total', api, 'route'), legend: '{{route}}' }]),
    graph(`${s.name}: error ratio`, units.PercentUnit, [
      { expr: `${rate('http_requests_total', `${api}, status=~"5.."`)} / ${rate('http_requests_total', api)}`, legend: '5xx' },
      { expr: `${rate('http_requests_total', `${api}, status=~"4.."`)} / ${rate('http_requests_total', api)}`, legend: '4xx' },
    ]),
    graph(
      `${s.name}: latency`,
      units.Seconds,
      [0.5, 0.95, 0.99].map((q) => ({ expr: quantile(q, 'http_request_duration_seconds', api), legend: `p${q * 100}` })),
    ),
    graph(`${s.name}: problems answered`, units.RequestsPerSecond, [{ expr: rate('http_problems_total', sel, 'type'), legend: '{{type}}' }]),
    graph(`${s.name}: event-loop lag`, units.Seconds, [{ expr: `max(nodejs_eventloop_lag_seconds{${sel}})`, legend: 'max over pods' }]),
    graph(`${s.name}: resident memory`, units.BytesIEC, [{ expr: `sum by (pod, instance) (process_resident_memory_bytes{${sel}})`, legend: '{{instance}}' }]),
  ];
}

function sloPanels(): Builder<Panel>[] {
  const slis: SliName[] = ['availability', 'latency'];
  return slis.map((sli) =>
    graph(
      `${sloService}: ${sli} error-budget burn rate`,
      units.Short,
      [...new Set(burnRateWindows.map((w) => w.long))].map((w) => ({ expr: `${sliErrorRatio(sli, w)} / ${errorBudget(sli)}`, legend: w })),
      `1 = spending exactly the ${slos.period} budget (objective ${slos[sli].objective}); pages above 14.4 (1h) and 6 (6h).`,
    ).span(12),
  );
}

function overview(services: readonly ServiceDeclaration[]): Dashboard {
  const b = dashboard('ticketing-overview', 'Ticketing / Platform overview', 'Traffic, errors, latency and SLO burn of every service.');
  const slo = new RowBuilder(`SLO: ${sloService} API`);
  for (const p of sloPanels()) slo.withPanel(p);
  b.withRow(slo);
  for (const s of services) {
    const row = new RowBuilder(`${s.name}`);
    for (const p of servicePanels(s)) row.withPanel(p);
    b.withRow(row);
  }
  return numbered(b.build());
}

function bookingFunnel(booking: ServiceDeclaration, waitingRoom: ServiceDeclaration | undefined): Dashboard {
  const sel = `service="${booking.name}"`;
  const b = dashboard(
    'ticketing-booking-funnel',
    'Ticketing / Booking funnel',
    'The waiting room, holds to confirmed bookings, rejections, payments and what is left to sell.',
  );
  const panels = [
    graph('Holds', units.Short, [{ expr: `sum by (event) (increase(booking_holds_total{${sel}}[$__rate_interval]))`, legend: '{{event}}' }]),
    graph('Bookings', units.Short, [{ expr: `sum by (event) (increase(booking_bookings_total{${sel}}[$__rate_interval]))`, legend: '{{event}}' }]),
    graph('Holds confirmed (conversion)', units.PercentUnit, [
      {
        expr: `sum(increase(booking_bookings_total{${sel}, event="confirmed"}[1h])) / sum(increase(booking_holds_total{${sel}, event="created"}[1h]))`,
        legend: 'confirmed / created, last hour',
      },
    ]),
    graph('Holds refused (sold out and others)', units.Short, [
      { expr: `sum by (reason) (increase(booking_hold_rejections_total{${sel}}[$__rate_interval]))`, legend: '{{reason}}' },
    ]),
    graph('Payments by outcome', units.Short, [
      { expr: `sum by (outcome) (increase(booking_payments_total{${sel}}[$__rate_interval]))`, legend: '{{outcome}}' },
    ]),
    graph('Revenue (minor units per hour)', units.Short, [
      {
        expr: `sum by (currency, flow) (increase(booking_revenue_minor_units_total{${sel}}[1h]))`,
        legend: '{{currency}} {{flow}}',
      },
    ]),
    graph('Late payments', units.Short, [{ expr: `sum by (result) (increase(booking_late_payments_total{${sel}}[$__rate_interval]))`, legend: '{{result}}' }]),
    graph('Payments pending', units.Short, [{ expr: `max(booking_payments_pending{${sel}})`, legend: 'pending' }]),
    graph('Oldest pending payment', units.Seconds, [{ expr: `max(booking_payments_pending_oldest_age_seconds{${sel}})`, legend: 'age' }]),
    graph('Lapsed holds not yet swept', units.Short, [{ expr: `max(booking_holds_lapsed_unswept{${sel}})`, legend: 'lapsed' }]),
    graph('Places remaining (events on sale)', units.Short, [
      { expr: `max by (event_id, kind) (booking_seats_remaining{${sel}})`, legend: '{{event_id}} {{kind}}' },
    ]).span(24),
  ];
  const row = new RowBuilder('Funnel');
  for (const p of panels) row.withPanel(p);
  b.withRow(row);
  if (waitingRoom) b.withRow(waitingRoomRow(waitingRoom, booking));
  return numbered(b.build());
}

/** The waiting room of onsales: who waits, who is let in how fast, how long it took, and holds refused for want of a pass. */
function waitingRoomRow(waitingRoom: ServiceDeclaration, booking: ServiceDeclaration): RowBuilder {
  const sel = `service="${waitingRoom.name}"`;
  const row = new RowBuilder('Waiting room');
  for (const p of [
    graph('Queue length', units.Short, [{ expr: `max by (event_id) (waiting_room_queue_length{${sel}})`, legend: '{{event_id}}' }]),
    graph('Admitted per minute', units.Short, [
      { expr: `sum by (event_id) (rate(waiting_room_admitted_total{${sel}}[$__rate_interval])) * 60`, legend: '{{event_id}}' },
    ]),
    graph('Shoppers (admitted, pass valid)', units.Short, [{ expr: `max by (event_id) (waiting_room_shoppers{${sel}})`, legend: '{{event_id}}' }]),
    graph(
      'Wait until admission',
      units.Seconds,
      [0.5, 0.95].map((q) => ({ expr: quantile(q, 'waiting_room_wait_seconds', sel), legend: `p${q * 100}` })),
    ),
    graph('Passes rejected at booking', units.Short, [
      { expr: `sum by (reason) (increase(booking_waiting_room_passes_rejected_total{service="${booking.name}"}[$__rate_interval]))`, legend: '{{reason}}' },
    ]),
    graph('Joins by outcome', units.Short, [
      { expr: `sum by (outcome) (increase(waiting_room_joins_total{${sel}}[$__rate_interval]))`, legend: '{{outcome}}' },
    ]),
  ])
    row.withPanel(p);
  return row;
}

function kafkaAndOutbox(services: readonly ServiceDeclaration[]): Dashboard {
  const b = dashboard('ticketing-kafka-outbox', 'Ticketing / Kafka and outbox', 'Outbox relay, produce errors, consumer lag and dead letters.');
  const producers = services.filter((s) => s.dependencies.kafka);
  const outbox = new RowBuilder('Outbox relay');
  const booking = services.find((s) => s.name === 'booking');
  if (booking) {
    const sel = `service="${booking.name}"`;
    for (const p of [
      graph('Published to Kafka', units.RequestsPerSecond, [{ expr: rate('booking_outbox_published_total', sel), legend: 'messages/s' }]),
      graph('Backlog', units.Short, [{ expr: `max(booking_outbox_pending_messages{${sel}})`, legend: 'pending messages' }]),
      graph('Oldest pending message', units.Seconds, [{ expr: `max(booking_outbox_oldest_pending_age_seconds{${sel}})`, legend: 'age' }]),
      graph(
        'Relay publish latency',
        units.Seconds,
        [0.5, 0.99].map((q) => ({ expr: quantile(q, 'booking_outbox_publish_duration_seconds', sel), legend: `p${q * 100}` })),
      ),
      graph('Relay leader', units.Short, [{ expr: `sum(booking_outbox_relay_leader{${sel}})`, legend: 'leaders (1 expected)' }]),
    ])
      outbox.withPanel(p);
    b.withRow(outbox);
  }
  const kafka = new RowBuilder('Kafka');
  kafka.withPanel(
    graph(
      'Produce errors',
      units.RequestsPerSecond,
      producers.map((s) => ({ expr: rate('kafka_produce_errors_total', `service="${s.name}"`, 'topic'), legend: `${s.name} {{topic}}` })),
    ),
  );
  kafka.withPanel(
    graph('Consumer lag (brokers)', units.Short, [
      { expr: `sum by (consumergroup, topic) (kafka_consumergroup_lag{namespace="${namespaces.app}"})`, legend: '{{consumergroup}} {{topic}}' },
    ]),
  );
  kafka.withPanel(
    graph('Consumer lag (services)', units.Short, [{ expr: 'sum by (service, group, topic) (kafka_consumer_lag)', legend: '{{service}} {{group}} {{topic}}' }]),
  );
  kafka.withPanel(
    graph('Consumed by outcome', units.RequestsPerSecond, [
      { expr: rate('kafka_consumer_messages_total', '', 'service, group, outcome'), legend: '{{service}} {{group}} {{outcome}}' },
    ]),
  );
  kafka.withPanel(
    graph('Dead-lettered', units.RequestsPerSecond, [
      { expr: rate('kafka_consumer_messages_total', 'outcome="dead_lettered"', 'service, group, topic'), legend: '{{service}} {{group}} {{topic}}' },
    ]),
  );
  kafka.withPanel(
    graph('Under-replicated partitions', units.Short, [
      {
        expr: `sum(kafka_server_replicamanager_underreplicatedpartitions{namespace="${namespaces.app}", pod=~"${dataStores.kafka.cluster}-.*"})`,
        legend: 'partitions',
      },
    ]),
  );
  return numbered(b.withRow(kafka).build());
}

function postgres(services: readonly ServiceDeclaration[]): Dashboard {
  const pg = `namespace="${namespaces.app}", pod=~"${dataStores.postgres.cluster}-[0-9]+"`;
  const b = dashboard('ticketing-postgres', 'Ticketing / PostgreSQL', 'CloudNativePG cluster and the services’ connection pools.');
  const server = new RowBuilder(`Cluster ${dataStores.postgres.cluster}`);
  for (const p of [
    graph('Instances up', units.Short, [{ expr: `sum(cnpg_collector_up{${pg}})`, legend: 'up' }]),
    graph('Connections', units.Short, [{ expr: `sum by (pod, state) (cnpg_backends_total{${pg}})`, legend: '{{pod}} {{state}}' }]),
    graph('Backends waiting on locks', units.Short, [{ expr: `sum by (pod) (cnpg_backends_waiting_total{${pg}})`, legend: '{{pod}}' }]),
    graph('Transactions', units.Short, [
      { expr: `sum(rate(cnpg_pg_stat_database_xact_commit{${pg}, datname="${dataStores.postgres.database}"}[$__rate_interval]))`, legend: 'commits/s' },
      { expr: `sum(rate(cnpg_pg_stat_database_xact_rollback{${pg}, datname="${dataStores.postgres.database}"}[$__rate_interval]))`, legend: 'rollbacks/s' },
    ]),
    graph('Replication lag', units.Seconds, [{ expr: `max by (pod) (cnpg_pg_replication_lag{${pg}})`, legend: '{{pod}}' }]),
  ])
    server.withPanel(p);
  b.withRow(server);
  for (const s of services.filter((d) => d.dependencies.postgres)) {
    const sel = `service="${s.name}"`;
    const row = new RowBuilder(`${s.name}: connection pool`);
    row.withPanel(graph(`${s.name}: pool connections`, units.Short, [{ expr: `sum by (state) (db_pool_connections{${sel}})`, legend: '{{state}}' }]));
    row.withPanel(
      graph(`${s.name}: wait for a connection (p99)`, units.Seconds, [{ expr: quantile(0.99, 'db_pool_acquire_duration_seconds', sel), legend: 'p99' }]),
    );
    row.withPanel(graph(`${s.name}: database errors`, units.RequestsPerSecond, [{ expr: rate('db_errors_total', sel, 'reason'), legend: '{{reason}}' }]));
    b.withRow(row);
  }
  return numbered(b.build());
}

function autoscaling(services: readonly ServiceDeclaration[]): Dashboard {
  const b = dashboard('ticketing-autoscaling', 'Ticketing / Autoscaling', 'Each HPA: replicas, CPU and the custom metric against their targets.');
  for (const s of services) {
    const hpa = `namespace="${namespaces.app}", horizontalpodautoscaler="${s.name}"`;
    const pods = `namespace="${namespaces.app}", container="${s.name}"`;
    const row = new RowBuilder(`${s.name}`);
    row.withPanel(
      graph(`${s.name}: replicas`, units.Short, [
        { expr: `kube_horizontalpodautoscaler_status_desired_replicas{${hpa}}`, legend: 'desired' },
        { expr: `kube_horizontalpodautoscaler_status_current_replicas{${hpa}}`, legend: 'current' },
        { expr: `kube_horizontalpodautoscaler_spec_max_replicas{${hpa}}`, legend: 'max' },
      ]),
    );
    row.withPanel(
      graph(`${s.name}: CPU of requests`, units.PercentUnit, [
        {
          expr: `sum(rate(container_cpu_usage_seconds_total{${pods}}[$__rate_interval])) / sum(kube_pod_container_resource_requests{${pods}, resource="cpu"})`,
          legend: 'used / requested',
        },
        { expr: `vector(${s.scaling.targetCpuUtilizationPercent / 100})`, legend: 'target' },
      ]),
    );
    if (s.scaling.targetRequestsPerSecondPerPod !== undefined) {
      row.withPanel(
        graph(`${s.name}: ${requestRateMetric.name} per pod`, units.RequestsPerSecond, [
          // What prometheus-adapter serves the HPA (charts/addons.ts), averaged over the pods.
          { expr: `avg(sum by (pod) (rate(${requestRateMetric.sourceCounter}{service="${s.name}", namespace!="", pod!=""}[2m])))`, legend: 'average per pod' },
          { expr: `vector(${s.scaling.targetRequestsPerSecondPerPod})`, legend: 'target' },
        ]),
      );
    }
    b.withRow(row);
  }
  return numbered(b.build());
}

/** LogQL of the logs dashboard: the services' JSON lines, by app label, optionally one request's. */
export const serviceLogsQuery = `{namespace="${namespaces.app}", app=~"$service"} |= "$request_id" | json`;

function logs(services: readonly ServiceDeclaration[]): Dashboard {
  const b = dashboard('ticketing-logs', 'Ticketing / Logs', 'Service logs from Loki, by service and request id.')
    .withVariable(new DatasourceVariableBuilder(lokiVar).label('Loki').type('loki'))
    .withVariable(
      new CustomVariableBuilder('service')
        .label('Service')
        .values(services.map((s) => s.name).join(','))
        .multi(true)
        .includeAll(true)
        .allValue('.+'),
    )
    .withVariable(new TextBoxVariableBuilder('request_id').label('Request id').description('The x-request-id of one request (empty: every line).'));
  const volume = new TimeseriesPanelBuilder()
    .title('Log lines by level')
    .unit(units.Short)
    .datasource(loki)
    .span(24)
    .height(6)
    .withTarget(
      new LokiQueryBuilder()
        .refId('A')
        .datasource(loki)
        .expr(`sum by (app, level) (count_over_time(${serviceLogsQuery} [$__auto]))`)
        .legendFormat('{{app}} {{level}}'),
    );
  const lines = new LogsPanelBuilder()
    .title('Log lines')
    .unit(units.Short)
    .datasource(loki)
    .span(24)
    .height(16)
    .showTime(true)
    .wrapLogMessage(true)
    .withTarget(new LokiQueryBuilder().refId('A').datasource(loki).expr(serviceLogsQuery).maxLines(1000));
  return numbered(b.withPanel(volume).withPanel(lines).build());
}

/** Every dashboard of the platform, for the given services. */
export function dashboards(services: readonly ServiceDeclaration[]): DashboardDefinition[] {
  const booking = services.find((s) => s.name === 'booking');
  const built: Dashboard[] = [
    overview(services),
    ...(booking
      ? [
          bookingFunnel(
            booking,
            services.find((s) => s.name === 'waiting-room'),
          ),
        ]
      : []),
    kafkaAndOutbox(services),
    postgres(services),
    autoscaling(services),
    logs(services),
  ];
  return built.map((d) => ({ name: d.uid!, folder, dashboard: d }));
}

/** Every panel of a dashboard, rows' panels included, rows themselves excluded. */
export function panelsOf(d: Dashboard): Panel[] {
  return (d.panels ?? []).flatMap((p) => (p.type === 'row' ? ((p as RowPanel).panels ?? []) : [p as Panel]));
}

/** The PromQL of every panel target over Prometheus, with where it comes from. */
export function dashboardQueries(services: readonly ServiceDeclaration[]): { source: string; expr: string }[] {
  return dashboards(services).flatMap((d) =>
    panelsOf(d.dashboard).flatMap((p) =>
      ((p.targets ?? []) as (Dataquery & { expr?: string; datasource?: { type?: string } })[])
        .filter((t) => t.datasource?.type === 'prometheus' && t.expr)
        .map((t) => ({ source: `dashboard ${d.name} / ${p.title}`, expr: t.expr! })),
    ),
  );
}
