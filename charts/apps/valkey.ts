import { Chart, type ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import { selectorLabels } from '../lib/labels.js';
import { ServiceNetworkPolicy } from '../lib/platform-service/network-policy.js';
import { dataStores, namespaces, partOf } from '../settings.js';

export interface ValkeyChartProps extends ChartProps {
  readonly allServices: readonly ServiceDeclaration[];
}

/**
 * The policies of the Valkey that Argo CD installs from its Helm chart
 * (charts/addons.ts): default deny, and only the services that declare a
 * Redis dependency (the gateway) may connect.
 */
export class ValkeyChart extends Chart {
  constructor(scope: Construct, id: string, props: ValkeyChartProps) {
    super(scope, id, { ...props, namespace: namespaces.app });
    new ServiceNetworkPolicy(this, 'network', {
      metadata: { name: dataStores.valkey.release, namespace: namespaces.app, labels: { 'app.kubernetes.io/part-of': partOf } },
      selectorLabels: dataStores.valkey.podLabels,
      port: dataStores.valkey.port,
      ingress: props.allServices.filter((s) => s.dependencies.redis).map((s) => ({ name: s.name, podLabels: selectorLabels(s.name) })),
      egress: [
        {
          name: 'dns',
          podLabels: { 'k8s-app': 'kube-dns' },
          namespace: namespaces.dns,
          ports: [kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)],
        },
      ],
    });
  }
}
