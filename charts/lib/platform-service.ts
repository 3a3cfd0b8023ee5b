import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { ServiceDeclaration, ServiceResources } from '@ticketing/platform/service-declaration';
import { addonPods, consumerLagMetric, dataStores, endpoints, namespaces, requestRateMetric } from '../settings.js';
import { selectorLabels, serviceLabels } from './labels.js';
import { ServiceAutoscaling } from './platform-service/autoscaling.js';
import { ServiceConfig } from './platform-service/config.js';
import { ServiceMonitoring } from './platform-service/monitoring.js';
import { ServiceNetworkPolicy, type PodPeer } from './platform-service/network-policy.js';
import { ServiceWorkload } from './platform-service/workload.js';

export interface PlatformServiceProps {
  /** The service's single declaration (the same object its code reads). */
  readonly declaration: ServiceDeclaration;
  /**
   * Every service of the platform, to resolve `from: 'service-url'` settings
   * and to allow ingress from the services that call this one.
   */
  readonly allServices: readonly ServiceDeclaration[];
  /** Container image reference, `<registry>/<service>:<version>`. */
  readonly image: string;
  /** Release version, set as the `app.kubernetes.io/version` label. */
  readonly version: string;
  /** Namespace of every object. */
  readonly namespace: string;
  /** HPA replica range for this environment. */
  readonly replicas: { readonly min: number; readonly max: number };
  /** Requests/limits for this environment. */
  readonly resources: ServiceResources;
  /** Callers admitted beyond those the declarations imply (e.g. in-cluster load generators). */
  readonly extraCallers?: readonly PodPeer[];
  /** This environment's values of plain settings (charts/environments.ts). @default none */
  readonly settingValues?: Readonly<Record<string, string>>;
}

/** Who may call a service: the edge proxy (the public entry only), Prometheus, and the services that declare it as a dependency. */
function callers(d: ServiceDeclaration, all: readonly ServiceDeclaration[]): PodPeer[] {
  return [
    ...(d.publicEntry ? [{ name: 'edge-proxy', ...addonPods.edgeProxy }] : []),
    { name: 'prometheus', ...addonPods.prometheus },
    ...all.filter((s) => s.dependencies.services.includes(d.name)).map((s) => ({ name: s.name, podLabels: selectorLabels(s.name) })),
  ];
}

/** What a service may reach: cluster DNS and exactly its declared dependencies. */
function dependencies(d: ServiceDeclaration, all: readonly ServiceDeclaration[]): (PodPeer & { ports: kplus.NetworkPolicyPort[] })[] {
  const tcp = (port: number) => [kplus.NetworkPolicyPort.tcp(port)];
  return [
    { name: 'dns', podLabels: { 'k8s-app': 'kube-dns' }, namespace: namespaces.dns, ports: [kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)] },
    ...(d.dependencies.postgres
      ? [{ name: 'postgres', podLabels: { 'cnpg.io/cluster': dataStores.postgres.cluster }, ports: tcp(endpoints.postgresPort) }]
      : []),
    ...(d.dependencies.kafka
      ? [
          {
            name: 'kafka',
            podLabels: { 'strimzi.io/cluster': dataStores.kafka.cluster, 'strimzi.io/broker-role': 'true' },
            ports: tcp(dataStores.kafka.listener.port),
          },
        ]
      : []),
    ...(d.dependencies.redis ? [{ name: 'valkey', podLabels: { ...dataStores.valkey.podLabels }, ports: tcp(dataStores.valkey.port) }] : []),
    ...d.dependencies.services.map((name) => {
      const target = all.find((s) => s.name === name);
      if (!target) throw new Error(`${d.name} depends on unknown service "${name}"`);
      return { name, podLabels: selectorLabels(name), ports: tcp(target.port) };
    }),
  ];
}

/** The servers outside the cluster, each on the port its setting has in this environment. */
function externalPorts(d: ServiceDeclaration, values: Readonly<Record<string, string>>): { name: string; port: number }[] {
  return (d.dependencies.external ?? []).map(({ name, port, portSetting }) => ({
    name,
    port: portSetting && values[portSetting] ? Number(values[portSetting]) : port,
  }));
}

/**
 * One service of the platform, rendered from its declaration: its settings
 * (ConfigMap, Secret refs), workload (ServiceAccount, Deployment, Service),
 * autoscaling (HPA on CPU, request rate and consumer lag, PodDisruptionBudget), network
 * policy (default deny, exactly the declared flows) and ServiceMonitor.
 */
export class PlatformService extends Construct {
  public readonly config: ServiceConfig;
  public readonly workload: ServiceWorkload;
  public readonly autoscaling: ServiceAutoscaling;
  public readonly networkPolicy: ServiceNetworkPolicy;

  constructor(scope: Construct, id: string, props: PlatformServiceProps) {
    super(scope, id);
    const d = props.declaration;
    const metadata = { name: d.name, namespace: props.namespace, labels: serviceLabels(d.name, props.version) };
    const selector = selectorLabels(d.name);

    this.config = new ServiceConfig(this, 'config', {
      declaration: d,
      allServices: props.allServices,
      endpoints: { postgresUriSecret: endpoints.postgresAppSecret, kafkaBootstrap: endpoints.kafkaBootstrap, servicesNamespace: props.namespace },
      metadata,
      ...(props.settingValues ? { values: props.settingValues } : {}),
    });
    this.workload = new ServiceWorkload(this, 'workload', {
      declaration: d,
      image: props.image,
      metadata,
      selectorLabels: selector,
      resources: props.resources,
      envVariables: this.config.envVariables,
      configChecksum: this.config.checksum,
    });
    const { targetRequestsPerSecondPerPod: rps, targetConsumerLagPerPod: lag } = d.scaling;
    if (lag !== undefined && !d.dependencies.kafka?.consumes.length) throw new Error(`${d.name} scales on consumer lag but consumes no topic`);
    this.autoscaling = new ServiceAutoscaling(this, 'autoscaling', {
      deployment: this.workload.deployment,
      metadata,
      selectorLabels: selector,
      replicas: props.replicas,
      targetCpuUtilizationPercent: d.scaling.targetCpuUtilizationPercent,
      podMetrics: [
        ...(rps === undefined ? [] : [{ name: requestRateMetric.name, averageValue: rps }]),
        ...(lag === undefined ? [] : [{ name: consumerLagMetric.name, averageValue: lag }]),
      ],
    });
    this.networkPolicy = new ServiceNetworkPolicy(this, 'network', {
      metadata,
      selectorLabels: selector,
      port: d.port,
      ingress: [...callers(d, props.allServices), ...(props.extraCallers ?? [])],
      egress: dependencies(d, props.allServices),
      ...(d.dependencies.external ? { external: externalPorts(d, this.config.plainValues) } : {}),
    });
    new ServiceMonitoring(this, 'monitoring', { metadata, selectorLabels: selector, path: d.metricsPath });
  }
}
