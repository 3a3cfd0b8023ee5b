import type { ApiObjectMetadata } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

/** The pods at the other end of an allowed flow. */
export interface PodPeer {
  /** Unique among the peers of one policy (construct id). */
  readonly name: string;
  readonly podLabels: Record<string, string>;
  /** @default the policy's own namespace */
  readonly namespace?: string;
}

export interface ServiceNetworkPolicyProps {
  /** Name, namespace and labels of the NetworkPolicy. */
  readonly metadata: ApiObjectMetadata;
  /** Labels that select the service's pods. */
  readonly selectorLabels: Record<string, string>;
  /** The service's `http` port, which ingress flows reach. */
  readonly port: number;
  /** Who may connect to the service's port, in rule order. */
  readonly ingress: readonly PodPeer[];
  /** Where the service may connect, with the ports, in rule order. */
  readonly egress: readonly (PodPeer & { readonly ports: readonly kplus.NetworkPolicyPort[] })[];
  /** Servers outside the cluster it may reach: any address, on the port given only. @default none */
  readonly external?: readonly { readonly name: string; readonly port: number }[];
}

/** Default deny in both directions for one service's pods, then exactly the given peers. */
export class ServiceNetworkPolicy extends Construct {
  public readonly networkPolicy: kplus.NetworkPolicy;

  constructor(scope: Construct, id: string, props: ServiceNetworkPolicyProps) {
    super(scope, id);
    this.networkPolicy = new kplus.NetworkPolicy(this, 'network-policy', {
      metadata: props.metadata,
      selector: kplus.Pods.select(this, 'pods', { labels: props.selectorLabels }),
      ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
      egress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    });
    const select = (direction: string, peer: PodPeer) =>
      kplus.Pods.select(this, `${direction}-${peer.name}`, {
        labels: peer.podLabels,
        ...(peer.namespace ? { namespaces: kplus.Namespaces.select(this, `${direction}-${peer.name}-namespace`, { names: [peer.namespace] }) } : {}),
      });
    for (const peer of props.ingress) this.networkPolicy.addIngressRule(select('from', peer), [kplus.NetworkPolicyPort.tcp(props.port)]);
    for (const peer of props.egress) this.networkPolicy.addEgressRule(select('to', peer), [...peer.ports]);
    for (const server of props.external ?? []) {
      this.networkPolicy.addEgressRule(kplus.NetworkPolicyIpBlock.anyIpv4(this, `to-${server.name}`), [kplus.NetworkPolicyPort.tcp(server.port)]);
    }
  }
}
