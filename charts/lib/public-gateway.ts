import { ApiObject } from 'cdk8s';
import type * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Certificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import { Gateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';

/** Per-client-IP limits the edge proxy enforces before a request reaches the public entry. */
export interface RateLimit {
  /** Requests one client IP may make per window, all of them at once if it likes (the burst). */
  readonly requestsPerWindow: number;
  readonly windowSeconds: number;
  /** Requests of one client IP in flight at once. */
  readonly inFlight: number;
}

/**
 * The edge limit per client IP that matches the public entry's own: the
 * gateway allows RATE_LIMIT_PER_IP requests per RATE_LIMIT_WINDOW_SECONDS
 * (counted across replicas in Valkey), so the edge lets the same budget
 * through as a burst and refills it at the same average rate. The edge never
 * refuses what the gateway would accept; it only stops floods before they
 * reach a pod.
 */
export function edgeRateLimit(publicEntry: ServiceDeclaration, inFlight: number): RateLimit {
  const setting = (name: string) => {
    const value = Number(publicEntry.env.find((e) => e.name === name)?.default);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${publicEntry.name}: the public entry must declare ${name} (a positive integer default)`);
    return value;
  };
  return { requestsPerWindow: setting('RATE_LIMIT_PER_IP'), windowSeconds: setting('RATE_LIMIT_WINDOW_SECONDS'), inFlight };
}

/** The Gateway API implementation behind the Gateway: its class and the ports its entry points listen on. */
export interface EdgeProxyClass {
  readonly gatewayClassName: string;
  readonly httpPort: number;
  readonly httpsPort: number;
}

export interface PublicGatewayProps {
  /** Gateway name; the routes, Middlewares and Certificate are named after it, the TLS secret is `<name>-tls`. */
  readonly name: string;
  readonly namespace: string;
  /** Public host name. */
  readonly host: string;
  /** Backend Service and its port. */
  readonly service: kplus.Service;
  readonly port: number;
  /** cert-manager ClusterIssuer that issues the certificate. */
  readonly clusterIssuer: string;
  /** Per-client-IP limits. */
  readonly rateLimit: RateLimit;
  readonly edgeProxy: EdgeProxyClass;
  /** Labels on every object. @default {} */
  readonly labels?: Record<string, string>;
}

/** Listener (section) names of the Gateway: cert-manager's HTTP-01 solver attaches its route to `http`. */
export const gatewayListeners = { http: 'http', https: 'https' } as const;

/**
 * An HTTPS route from the internet to one Service through the edge proxy
 * (Gateway API): a Gateway with an HTTPS listener for the host, its
 * certificate from cert-manager, per-client-IP limits as Traefik Middlewares
 * on the route, and plain HTTP answered with a redirect to HTTPS.
 */
export class PublicGateway extends Construct {
  /** Names of the rate-limit Middlewares, in the order the route applies them. */
  public readonly middlewares: readonly string[];

  constructor(scope: Construct, id: string, props: PublicGatewayProps) {
    super(scope, id);
    const labels = props.labels ?? {};
    const meta = (name: string) => ({ name, namespace: props.namespace, labels });
    const tlsSecret = `${props.name}-tls`;
    const hostnames = [props.host];
    const emit = (id_: string, model: { validate(): void; toJSON(): unknown }) => {
      model.validate();
      new ApiObject(this, id_, model.toJSON() as never);
    };

    emit(
      'certificate',
      new Certificate({
        metadata: meta(props.name),
        spec: { secretName: tlsSecret, dnsNames: hostnames, issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: props.clusterIssuer } },
      }),
    );
    emit(
      'gateway',
      new Gateway({
        metadata: meta(props.name),
        spec: {
          gatewayClassName: props.edgeProxy.gatewayClassName,
          listeners: [
            {
              name: gatewayListeners.http,
              protocol: 'HTTP',
              port: props.edgeProxy.httpPort,
              hostname: props.host,
              allowedRoutes: { namespaces: { from: 'Same' } },
            },
            {
              name: gatewayListeners.https,
              protocol: 'HTTPS',
              port: props.edgeProxy.httpsPort,
              hostname: props.host,
              tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: tlsSecret }] },
              allowedRoutes: { namespaces: { from: 'Same' } },
            },
          ],
        },
      }),
    );

    // Traefik counts both per connection source address: the client's, as the
    // Service keeps it (externalTrafficPolicy Local). Both answer 429 when exceeded.
    const rateLimit = `${props.name}-rate-limit`;
    const inFlight = `${props.name}-in-flight`;
    this.middlewares = [inFlight, rateLimit];
    new ApiObject(this, 'in-flight', {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'Middleware',
      metadata: meta(inFlight),
      spec: { inFlightReq: { amount: props.rateLimit.inFlight } },
    });
    new ApiObject(this, 'rate-limit', {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'Middleware',
      metadata: meta(rateLimit),
      spec: {
        rateLimit: { average: props.rateLimit.requestsPerWindow, period: `${props.rateLimit.windowSeconds}s`, burst: props.rateLimit.requestsPerWindow },
      },
    });

    const parent = (sectionName: string) => [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: props.name, sectionName }];
    emit(
      'route',
      new HTTPRoute({
        metadata: meta(props.name),
        spec: {
          parentRefs: parent(gatewayListeners.https),
          hostnames,
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/' } }],
              filters: this.middlewares.map((name) => ({ type: 'ExtensionRef' as const, extensionRef: { group: 'traefik.io', kind: 'Middleware', name } })),
              backendRefs: [{ group: '', kind: 'Service', name: props.service.name, port: props.port }],
            },
          ],
        },
      }),
    );
    // Everything on plain HTTP but the ACME challenge (cert-manager's own, more specific route) goes to HTTPS.
    emit(
      'https-redirect',
      new HTTPRoute({
        metadata: meta(`${props.name}-https-redirect`),
        spec: {
          parentRefs: parent(gatewayListeners.http),
          hostnames,
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/' } }],
              filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }],
            },
          ],
        },
      }),
    );
  }
}
