import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';

/** Per-client-IP limits ingress-nginx enforces. */
export interface RateLimit {
  readonly requestsPerSecond: number;
  /** Burst allowed above the rate, as a multiple of it. */
  readonly burstMultiplier: number;
  /** Concurrent connections. */
  readonly connections: number;
}

/**
 * The edge limit per client IP that matches the public entry's own: the
 * gateway allows RATE_LIMIT_PER_IP requests per RATE_LIMIT_WINDOW_SECONDS
 * (counted across replicas in Valkey), so ingress-nginx lets the same budget
 * through as a burst and refills it at the same average rate. The edge never
 * refuses what the gateway would accept; it only stops floods before they
 * reach a pod.
 */
export function edgeRateLimit(publicEntry: ServiceDeclaration, connections: number): RateLimit {
  const setting = (name: string) => {
    const value = Number(publicEntry.env.find((e) => e.name === name)?.default);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${publicEntry.name}: the public entry must declare ${name} (a positive integer default)`);
    return value;
  };
  const perIp = setting('RATE_LIMIT_PER_IP');
  const window = setting('RATE_LIMIT_WINDOW_SECONDS');
  const requestsPerSecond = Math.ceil(perIp / window);
  return { requestsPerSecond, burstMultiplier: Math.ceil(perIp / requestsPerSecond), connections };
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
