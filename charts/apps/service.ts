import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import { environmentSettingValues, type EnvironmentSettings } from '../environments.js';
import { PlatformService } from '../lib/platform-service.js';
import { PublicGateway, edgeRateLimit } from '../lib/public-gateway.js';
import { imageFor, release } from '../release.js';
import { edgeProxy, namespaces, publicGateway } from '../settings.js';
import { k6RunnerPodLabels, loadTestProfiles } from './load-testing.js';

export interface ServiceChartProps extends ChartProps {
  readonly declaration: ServiceDeclaration;
  readonly allServices: readonly ServiceDeclaration[];
  readonly environment: EnvironmentSettings;
}

/** One service of the platform in one environment: its workload, and the public route if it is the public entry. */
export class ServiceChart extends Chart {
  public readonly platformService: PlatformService;

  constructor(scope: Construct, id: string, props: ServiceChartProps) {
    super(scope, id, { ...props, namespace: namespaces.app });
    const env = props.environment;
    const d = props.declaration;
    this.platformService = new PlatformService(this, d.name, {
      declaration: d,
      allServices: props.allServices,
      image: imageFor(d.name),
      version: release.version,
      namespace: namespaces.app,
      replicas: env.scaling(d.scaling),
      resources: env.resources(d.resources),
      settingValues: environmentSettingValues(env, d, props.allServices),
      // Where load tests run, their k6 runner pods come in through the public entry, as buyers do.
      extraCallers:
        d.publicEntry && loadTestProfiles[env.name] ? [{ name: 'k6-runners', podLabels: { ...k6RunnerPodLabels }, namespace: namespaces.loadTesting }] : [],
    });
    // Only the public entry (the gateway) is reachable from the internet.
    if (!d.publicEntry) return;
    new PublicGateway(this, 'public-gateway', {
      ...publicGateway,
      host: `${d.name}.${env.domain}`,
      service: this.platformService.workload.service,
      port: d.port,
      clusterIssuer: env.clusterIssuer.name,
      rateLimit: edgeRateLimit(d, env.edgeConnectionsPerIp),
      edgeProxy: { gatewayClassName: edgeProxy.gatewayClass, httpPort: edgeProxy.entryPoints.http.port, httpsPort: edgeProxy.entryPoints.https.port },
      labels: { 'app.kubernetes.io/name': d.name },
    });
  }
}
