import { ApiObject, type ApiObjectMetadata, type ApiObjectProps } from 'cdk8s';
import { Construct } from 'constructs';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';

export interface ServiceMonitoringProps {
  /** Name, namespace and labels of the ServiceMonitor; the Service it scrapes is in that namespace. */
  readonly metadata: ApiObjectMetadata & { readonly namespace: string };
  /** Labels of the Service to scrape. */
  readonly selectorLabels: Record<string, string>;
  /** Path of the metrics endpoint on the Service's `http` port. */
  readonly path: string;
  /** @default '15s' */
  readonly interval?: string;
  /** @default '10s' */
  readonly scrapeTimeout?: string;
}

/** The ServiceMonitor through which Prometheus scrapes one service's metrics. */
export class ServiceMonitoring extends Construct {
  constructor(scope: Construct, id: string, props: ServiceMonitoringProps) {
    super(scope, id);
    const monitor = new ServiceMonitor({
      metadata: props.metadata,
      spec: {
        selector: { matchLabels: props.selectorLabels },
        namespaceSelector: { matchNames: [props.metadata.namespace] },
        endpoints: [{ port: 'http', path: props.path, interval: props.interval ?? '15s', scrapeTimeout: props.scrapeTimeout ?? '10s' }],
      },
    });
    monitor.validate();
    new ApiObject(this, 'service-monitor', monitor.toJSON() as ApiObjectProps);
  }
}
