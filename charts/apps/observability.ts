import { ApiObject, Chart, type ApiObjectProps, type ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import { alertRuleGroups } from '../observability/alert-rules.js';
import { dashboards } from '../observability/dashboards.js';
import { namespaces, partOf } from '../settings.js';

export interface ObservabilityChartProps extends ChartProps {
  readonly allServices: readonly ServiceDeclaration[];
}

/** Dashboards (ConfigMaps for the Grafana sidecar) and alert rules (PrometheusRule). */
export class ObservabilityChart extends Chart {
  constructor(scope: Construct, id: string, props: ObservabilityChartProps) {
    super(scope, id, props);
    for (const d of dashboards(props.allServices)) {
      new kplus.ConfigMap(this, `dashboard-${d.name}`, {
        metadata: {
          name: `dashboard-${d.name}`,
          namespace: namespaces.monitoring,
          labels: { grafana_dashboard: '1', 'app.kubernetes.io/part-of': partOf },
          annotations: { grafana_folder: d.folder },
        },
        data: { [`${d.name}.json`]: JSON.stringify(d.dashboard, null, 2) },
      });
    }
    const groups = alertRuleGroups(props.allServices);
    if (groups.length > 0) {
      const rule = new PrometheusRule({
        metadata: { name: 'ticketing-platform', namespace: namespaces.app, labels: { 'app.kubernetes.io/part-of': partOf } },
        spec: { groups: groups.map((g) => ({ name: g.name, rules: g.rules.map((r) => ({ ...r })) })) },
      });
      rule.validate();
      new ApiObject(this, 'prometheus-rule', rule.toJSON() as ApiObjectProps);
    }
  }
}
