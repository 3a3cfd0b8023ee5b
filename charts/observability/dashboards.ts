/**
 * Grafana dashboards of the platform. Each entry becomes a ConfigMap labelled
 * `grafana_dashboard=1`, which the Grafana sidecar of kube-prometheus-stack
 * loads (folder from the `grafana_folder` annotation). The observability
 * issue adds the real dashboards here; this file is where they plug in.
 */
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import { requestRateMetric } from '../settings.js';

export interface DashboardDefinition {
  /** DNS-safe name: ConfigMap `dashboard-<name>`, file `<name>.json`. */
  readonly name: string;
  /** Grafana folder. */
  readonly folder: string;
  /** The dashboard model (Grafana JSON). */
  readonly dashboard: Record<string, unknown>;
}

/** A starting point: request rate of every service, so the wiring is visible end to end. */
export function dashboards(services: readonly ServiceDeclaration[]): DashboardDefinition[] {
  return [
    {
      name: 'ticketing-overview',
      folder: 'Ticketing',
      dashboard: {
        uid: 'ticketing-overview',
        title: 'Ticketing / Overview',
        schemaVersion: 39,
        time: { from: 'now-1h', to: 'now' },
        panels: services.map((s, i) => ({
          id: i + 1,
          type: 'timeseries',
          title: `${s.name}: requests per second`,
          gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
          datasource: { type: 'prometheus', uid: 'prometheus' },
          targets: [{ refId: 'A', expr: `sum(rate(${requestRateMetric.sourceCounter}{service="${s.name}"}[2m]))` }],
        })),
      },
    },
  ];
}
