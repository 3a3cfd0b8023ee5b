import type { ApiObjectMetadata } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

/** Pods (in a namespace, default: the policy's own) that may connect on some ports. */
export interface IngressPeer {
  readonly podLabels: Record<string, string>;
  /** @default the policy's namespace */
  readonly namespace?: string;
  readonly ports: readonly number[];
}

export interface IngressAllowPolicyProps {
  readonly metadata: ApiObjectMetadata;
  /** Labels of the pods the policy guards. */
  readonly podLabels: Record<string, string>;
  /** Who may connect, and where. */
  readonly from: readonly IngressPeer[];
}

/**
 * Admits exactly the given peers to pods of the platform's namespace, where
 * `DefaultDenyIngress` refuses everything else (pods whose operator or chart
 * renders no policy of its own: PostgreSQL, the Kafka Exporter, ACME solvers).
 */
export class IngressAllowPolicy extends Construct {
  constructor(scope: Construct, id: string, props: IngressAllowPolicyProps) {
    super(scope, id);
    new kplus.k8s.KubeNetworkPolicy(this, 'policy', {
      metadata: props.metadata,
      spec: {
        podSelector: { matchLabels: props.podLabels },
        policyTypes: ['Ingress'],
        ingress: props.from.map((peer) => ({
          from: [
            {
              podSelector: { matchLabels: peer.podLabels },
              ...(peer.namespace ? { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': peer.namespace } } } : {}),
            },
          ],
          ports: peer.ports.map((port) => ({ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(port) })),
        })),
      },
    });
  }
}

/**
 * Namespace-wide default deny of incoming traffic: a pod nothing admits
 * explicitly is unreachable. (Outgoing traffic is denied per workload: the
 * operators' pods must reach the API server, whose address is the cluster's.)
 */
export class DefaultDenyIngress extends Construct {
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata }) {
    super(scope, id);
    new kplus.k8s.KubeNetworkPolicy(this, 'policy', { metadata: props.metadata, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
  }
}
