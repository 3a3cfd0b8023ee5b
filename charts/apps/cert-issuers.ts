import { ApiObject, Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { ClusterIssuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer';
import type { EnvironmentSettings } from '../environments.js';
import { partOf } from '../settings.js';

export interface CertIssuersChartProps extends ChartProps {
  readonly environment: EnvironmentSettings;
}

/** The ACME ClusterIssuer the Ingresses name in `cert-manager.io/cluster-issuer`. */
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
          solvers: [{ http01: { ingress: { class: 'nginx' } } }],
        },
      },
    });
    model.validate();
    new ApiObject(this, 'cluster-issuer', model.toJSON());
  }
}
