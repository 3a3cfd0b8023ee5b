import { Chart, type ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { DefaultDenyIngress, IngressAllowPolicy } from '../lib/ingress-policy.js';
import { keepDataAnnotations } from '../lib/postgres-cluster.js';
import { addonPods, namespaces, partOf } from '../settings.js';

/** Namespaces whose every workload the platform renders itself: they get a default deny. */
export const ownedNamespaces: readonly string[] = [namespaces.app];

/** Pod Security Admission level each namespace enforces. */
const podSecurity: Record<string, 'restricted' | 'baseline' | 'privileged'> = {
  [namespaces.app]: 'baseline',
  [namespaces.cnpg]: 'restricted',
  [namespaces.strimzi]: 'restricted',
  [namespaces.certManager]: 'restricted',
  [namespaces.monitoring]: 'privileged', // node-exporter uses host namespaces
  [namespaces.logging]: 'privileged', // promtail reads /var/log/pods from the host
  [namespaces.edge]: 'restricted',
  [namespaces.loadTesting]: 'baseline',
};

/**
 * The namespaces of the platform, with Pod Security labels (Argo CD's own
 * namespace excluded). Never pruned nor deleted by Argo CD: deleting a
 * namespace deletes the PVCs of PostgreSQL and Kafka in it.
 */
export class NamespacesChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    for (const [name, level] of Object.entries(podSecurity)) {
      new kplus.Namespace(this, name, {
        metadata: {
          name,
          annotations: { ...keepDataAnnotations },
          labels: {
            'app.kubernetes.io/part-of': partOf,
            'pod-security.kubernetes.io/enforce': level,
            'pod-security.kubernetes.io/warn': 'restricted',
            'pod-security.kubernetes.io/audit': 'restricted',
          },
        },
      });
    }
    for (const namespace of ownedNamespaces) {
      new DefaultDenyIngress(this, `${namespace}-default-deny`, {
        metadata: { name: 'default-deny-ingress', namespace, labels: { 'app.kubernetes.io/part-of': partOf } },
      });
    }
    // cert-manager's HTTP-01 solver pods answer the ACME challenge through the edge proxy (an HTTPRoute cert-manager adds to the Gateway).
    new IngressAllowPolicy(this, 'acme-http01-solver', {
      metadata: { name: 'acme-http01-solver', namespace: namespaces.app, labels: { 'app.kubernetes.io/part-of': partOf } },
      podLabels: { 'acme.cert-manager.io/http01-solver': 'true' },
      from: [{ ...addonPods.edgeProxy, ports: [8089] }],
    });
  }
}
