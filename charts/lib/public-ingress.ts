import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

/** Per-client-IP limits ingress-nginx enforces. */
export interface RateLimit {
  readonly requestsPerSecond: number;
  /** Burst allowed above the rate, as a multiple of it. */
  readonly burstMultiplier: number;
  /** Concurrent connections. */
  readonly connections: number;
}

export interface PublicIngressProps {
  /** Ingress name; the TLS secret is `<name>-tls`. */
  readonly name: string;
  readonly namespace: string;
  /** Public host name. */
  readonly host: string;
  /** Backend Service and its port. */
  readonly service: kplus.Service;
  readonly port: number;
  /** cert-manager ClusterIssuer that issues the certificate. */
  readonly clusterIssuer: string;
  /** Per-client-IP request-rate and connection limits (ingress-nginx). */
  readonly rateLimit: RateLimit;
  /**
   * Largest request body accepted.
   * @default '1m'
   */
  readonly maxBodySize?: string;
  /** Labels on the Ingress. @default {} */
  readonly labels?: Record<string, string>;
  /**
   * Ingress class.
   * @default 'nginx'
   */
  readonly className?: string;
}

/**
 * An HTTPS route from the internet to one Service through ingress-nginx,
 * with a cert-manager certificate and per-client rate limits.
 */
export class PublicIngress extends Construct {
  public readonly ingress: kplus.Ingress;

  constructor(scope: Construct, id: string, props: PublicIngressProps) {
    super(scope, id);
    const tlsSecret = kplus.Secret.fromSecretName(this, 'tls-secret', `${props.name}-tls`);
    this.ingress = new kplus.Ingress(this, 'ingress', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: props.labels ?? {},
        annotations: {
          'cert-manager.io/cluster-issuer': props.clusterIssuer,
          'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
          'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
          'nginx.ingress.kubernetes.io/limit-rps': String(props.rateLimit.requestsPerSecond),
          'nginx.ingress.kubernetes.io/limit-burst-multiplier': String(props.rateLimit.burstMultiplier),
          'nginx.ingress.kubernetes.io/limit-connections': String(props.rateLimit.connections),
          'nginx.ingress.kubernetes.io/proxy-body-size': props.maxBodySize ?? '1m',
        },
      },
      className: props.className ?? 'nginx',
      tls: [{ hosts: [props.host], secret: tlsSecret }],
    });
    this.ingress.addHostRule(props.host, '/', kplus.IngressBackend.fromService(props.service, { port: props.port }), kplus.HttpIngressPathType.PREFIX);
  }
}
