import { Chart, type ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { namespaces, partOf } from '../settings.js';

/** Pod Security Admission level each namespace enforces. */
const podSecurity: Record<string, 'restricted' | 'baseline' | 'privileged'> = {
  [namespaces.app]: 'baseline',
  [namespaces.cnpg]: 'restricted',
  [namespaces.strimzi]: 'restricted',
  [namespaces.certManager]: 'restricted',
  [namespaces.monitoring]: 'privileged', // node-exporter uses host namespaces
  [namespaces.logging]: 'privileged', // promtail reads /var/log/pods from the host
  [namespaces.ingress]: 'baseline',
  [namespaces.loadTesting]: 'baseline',
};

/** The namespaces of the platform, with Pod Security labels (Argo CD's own namespace excluded). */
export class NamespacesChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    for (const [name, level] of Object.entries(podSecurity)) {
      new kplus.Namespace(this, name, {
        metadata: {
          name,
          labels: {
            'app.kubernetes.io/part-of': partOf,
            'pod-security.kubernetes.io/enforce': level,
            'pod-security.kubernetes.io/warn': 'restricted',
            'pod-security.kubernetes.io/audit': 'restricted',
          },
        },
      });
    }
  }
}
