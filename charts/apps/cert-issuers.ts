import { ApiObject, Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { ClusterIssuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer';
import type { EnvironmentSettings } from '../environments.js';
import { gatewayListeners } from '../lib/public-gateway.js';
import { partOf, publicGateway } from '../settings.js';

export interface CertIssuersChartProps extends ChartProps {
  readonly environment: EnvironmentSettings;
}

/** The ACME ClusterIssuer of the public Gateway's Certificate. */
export class CertIssuersChart extends Chart {
  constructor(scope: Construct, id: string, props: CertIssuersChartProps) {
    super(scope, id, props);
    const issuer = props.environment.clusterIssuer;
    const model = new ClusterIssuer({
      metadata: { name: issuer.name, labels: { 'app.kubernetes.io/part-of': partOf } },
      spec: {
        acme: {
          server: issuer.acmeServer,
          email: issuer.email,
          // cert-manager creates this Secret (the ACME account key) itself.
          privateKeySecretRef: { name: `${issuer.name}-account-key` },
          // HTTP-01 through the public Gateway's plain-HTTP listener (cert-manager's Gateway API support, charts/addons.ts).
          solvers: [
            {
              http01: {
                gatewayHTTPRoute: {
                  parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', ...publicGateway, sectionName: gatewayListeners.http }],
                },
              },
            },
          ],
        },
      },
    });
    model.validate();
    new ApiObject(this, 'cluster-issuer', model.toJSON());
  }
}
