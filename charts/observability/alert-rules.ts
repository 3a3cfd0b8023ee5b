/**
 * Prometheus alerting/recording rules of the platform, rendered as one
 * PrometheusRule that kube-prometheus-stack picks up (its rule selector
 * takes every PrometheusRule). The observability issue adds the real rules
 * here; this file is where they plug in.
 */
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';

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

/** A starting point: every service has a scrape target that answers. */
export function alertRuleGroups(services: readonly ServiceDeclaration[]): RuleGroup[] {
  return [
    {
      name: 'ticketing.availability',
      rules: services.map((s) => ({
        alert: `${s.name[0]!.toUpperCase()}${s.name.slice(1)}Down`,
        expr: `sum(up{service="${s.name}"}) == 0 or absent(up{service="${s.name}"})`,
        for: '2m',
        labels: { severity: 'critical', service: s.name },
        annotations: { summary: `No ${s.name} pod is being scraped successfully.`, description: s.description },
      })),
    },
  ];
}
