import { createHash } from 'node:crypto';
import { ApiObject, Duration, JsonPatch, Size, type ApiObjectProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import type { EnvSetting, ServiceDeclaration, ServiceResources } from '@ticketing/platform/service-declaration';
import { dataStores, endpoints, namespaces, requestRateMetric } from '../settings.js';
import { selectorLabels, serviceLabels } from './labels.js';
import { containerCpu, containerMemory } from './quantity.js';

/** Numeric uid/gid the containers run as (matches the `node` user of the Dockerfiles). */
export const RUN_AS_USER = 1000;

/** Name of the Secret holding a service's own credentials (created outside git). */
export function serviceSecretName(service: string): string {
  return `${service}-secrets`;
}

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
  /**
   * Seconds the startup probe waits in total before the kubelet gives up
   * (covers schema migrations at start).
   * @default 120
   */
  readonly startupBudgetSeconds?: number;
  /**
   * Size limit of the emptyDir mounted at /tmp.
   * @default 64Mi
   */
  readonly tmpSizeMebibytes?: number;
}

/** How one declared env setting is supplied in-cluster. */
export type EnvSource =
  | { readonly kind: 'configmap'; readonly value: string }
  | { readonly kind: 'secret'; readonly secretName: string; readonly key: string }
  | { readonly kind: 'skip' };

/** Decides, for one declared setting, where its in-cluster value comes from. */
export function envSource(service: ServiceDeclaration, setting: EnvSetting, all: readonly ServiceDeclaration[], namespace: string): EnvSource {
  if (setting.localOnly) return { kind: 'skip' };
  if (setting.from === 'postgres-uri') {
    return { kind: 'secret', secretName: endpoints.postgresAppSecret, key: 'uri' };
  }
  // Strimzi's User Operator names the KafkaUser's Secret after the user (= the service).
  if (setting.from === 'kafka-username') return { kind: 'configmap', value: service.name };
  if (setting.from === 'kafka-password') return { kind: 'secret', secretName: service.name, key: 'password' };
  if (setting.secret) {
    return { kind: 'secret', secretName: serviceSecretName(service.name), key: setting.name };
  }
  if (setting.from === 'kafka-bootstrap') return { kind: 'configmap', value: endpoints.kafkaBootstrap };
  if (setting.from === 'service-url') {
    const target = all.find((s) => s.name === setting.service);
    if (!target) throw new Error(`${service.name}: ${setting.name} names unknown service "${setting.service}"`);
    return { kind: 'configmap', value: `http://${target.name}.${namespace}.svc.cluster.local:${target.port}` };
  }
  if (setting.default === undefined) {
    throw new Error(`${service.name}: ${setting.name} has no default, no 'from' and is not secret: the chart cannot supply it`);
  }
  return { kind: 'configmap', value: setting.default };
}

/**
 * One service of the platform, rendered from its declaration: Deployment,
 * Service (port `http`), HPA (CPU + request rate), PodDisruptionBudget,
 * ServiceAccount, NetworkPolicy (default deny, exactly the declared flows),
 * ServiceMonitor, ConfigMap of non-secret settings and Secret references.
 */
export class PlatformService extends Construct {
  public readonly deployment: kplus.Deployment;
  public readonly service: kplus.Service;
  public readonly configMap: kplus.ConfigMap;
  public readonly serviceAccount: kplus.ServiceAccount;
  public readonly autoscaler: kplus.HorizontalPodAutoscaler;
  public readonly networkPolicy: kplus.NetworkPolicy;

  constructor(scope: Construct, id: string, props: PlatformServiceProps) {
    super(scope, id);
    const d = props.declaration;
    const ns = props.namespace;
    const labels = serviceLabels(d.name, props.version);
    const selector = selectorLabels(d.name);
    const meta = (name: string) => ({ name, namespace: ns, labels });

    // ---- settings: ConfigMap for plain values, secretKeyRef for credentials
    const plain: Record<string, string> = {};
    const secretRefs: { name: string; secretName: string; key: string }[] = [];
    for (const setting of d.env) {
      const src = envSource(d, setting, props.allServices, ns);
      if (src.kind === 'configmap') plain[setting.name] = src.value;
      else if (src.kind === 'secret') secretRefs.push({ name: setting.name, secretName: src.secretName, key: src.key });
    }
    this.configMap = new kplus.ConfigMap(this, 'config', { metadata: meta(`${d.name}-config`), data: plain });

    const env: Record<string, kplus.EnvValue> = {};
    for (const name of Object.keys(plain)) env[name] = kplus.EnvValue.fromConfigMap(this.configMap, name, { optional: false });
    const secrets = new Map<string, kplus.ISecret>();
    for (const ref of secretRefs) {
      let secret = secrets.get(ref.secretName);
      if (!secret) {
        secret = kplus.Secret.fromSecretName(this, `secret-${ref.secretName}`, ref.secretName);
        secrets.set(ref.secretName, secret);
      }
      env[ref.name] = kplus.EnvValue.fromSecretValue({ secret, key: ref.key }, { optional: false });
    }

    this.serviceAccount = new kplus.ServiceAccount(this, 'service-account', { metadata: meta(d.name), automountToken: false });

    // ---- workload
    const probe = (path: string, o: { period: number; failures: number; timeout: number }) =>
      kplus.Probe.fromHttpGet(path, {
        port: d.port,
        initialDelaySeconds: Duration.seconds(0),
        periodSeconds: Duration.seconds(o.period),
        failureThreshold: o.failures,
        timeoutSeconds: Duration.seconds(o.timeout),
      });
    const startupBudget = props.startupBudgetSeconds ?? 120;
    const tmp = kplus.Volume.fromEmptyDir(this, 'tmp', 'tmp', { sizeLimit: Size.mebibytes(props.tmpSizeMebibytes ?? 64) });

    this.deployment = new kplus.Deployment(this, 'deployment', {
      metadata: meta(d.name),
      select: false,
      spread: false,
      podMetadata: {
        labels,
        annotations: {
          // Rolls the pods when a setting changes.
          'checksum/config': createHash('sha256').update(JSON.stringify(plain)).digest('hex'),
          'kubectl.kubernetes.io/default-container': d.name,
        },
      },
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true, user: RUN_AS_USER, group: RUN_AS_USER, fsGroup: RUN_AS_USER },
      terminationGracePeriod: Duration.seconds(d.shutdownGraceSeconds),
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      containers: [
        {
          name: d.name,
          image: props.image,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          ports: [{ name: 'http', number: d.port, protocol: kplus.Protocol.TCP }],
          envVariables: env,
          resources: {
            cpu: { request: containerCpu(props.resources.requests.cpu), limit: containerCpu(props.resources.limits.cpu) },
            memory: { request: containerMemory(props.resources.requests.memory), limit: containerMemory(props.resources.limits.memory) },
          },
          securityContext: {
            ensureNonRoot: true,
            user: RUN_AS_USER,
            group: RUN_AS_USER,
            privileged: false,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
          },
          startup: probe(d.health.liveness, { period: 2, failures: Math.ceil(startupBudget / 2), timeout: 2 }),
          readiness: probe(d.health.readiness, { period: 5, failures: 3, timeout: 2 }),
          liveness: probe(d.health.liveness, { period: 10, failures: 3, timeout: 2 }),
          volumeMounts: [{ path: '/tmp', volume: tmp }],
        },
      ],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: selector }));
    // Selects this service's pods by its stable labels (not cdk8s' address label).
    const pods = kplus.Pods.select(this, 'pods', { labels: selector });
    const deploymentObject = ApiObject.of(this.deployment);
    deploymentObject.addJsonPatch(
      JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
      // cdk8s-plus-27 has no `ALL` capability; drop everything explicitly.
      JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
      JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: selector }, matchLabelKeys: ['pod-template-hash'] },
        { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector }, matchLabelKeys: ['pod-template-hash'] },
      ]),
    );

    this.service = new kplus.Service(this, 'service', {
      metadata: meta(d.name),
      type: kplus.ServiceType.CLUSTER_IP,
      selector: pods,
      ports: [{ name: 'http', port: d.port, targetPort: d.port, protocol: kplus.Protocol.TCP }],
    });

    // ---- scaling and disruption
    const metrics = [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(d.scaling.targetCpuUtilizationPercent))];
    if (d.scaling.targetRequestsPerSecondPerPod !== undefined) {
      metrics.push(kplus.Metric.pods({ name: requestRateMetric.name, target: kplus.MetricTarget.averageValue(d.scaling.targetRequestsPerSecondPerPod) }));
    }
    this.autoscaler = new kplus.HorizontalPodAutoscaler(this, 'hpa', {
      metadata: meta(d.name),
      target: this.deployment,
      minReplicas: props.replicas.min,
      maxReplicas: props.replicas.max,
      metrics,
      // Up fast (onsale spikes): double or +4 pods every 15 s, whichever is more.
      scaleUp: {
        stabilizationWindow: Duration.seconds(0),
        strategy: kplus.ScalingStrategy.MAX_CHANGE,
        policies: [
          { replicas: kplus.Replicas.percent(100), duration: Duration.seconds(15) },
          { replicas: kplus.Replicas.absolute(4), duration: Duration.seconds(15) },
        ],
      },
      // Down slowly: 5 min of calm, then at most 20 % per minute.
      scaleDown: {
        stabilizationWindow: Duration.minutes(5),
        strategy: kplus.ScalingStrategy.MIN_CHANGE,
        policies: [{ replicas: kplus.Replicas.percent(20), duration: Duration.minutes(1) }],
      },
    });

    new kplus.k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata: meta(d.name),
      spec: {
        maxUnavailable: kplus.k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: selector },
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });

    // ---- network: default deny, then exactly the flows this service uses
    this.networkPolicy = new kplus.NetworkPolicy(this, 'network-policy', {
      metadata: meta(d.name),
      selector: pods,
      ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
      egress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    });
    const http = [kplus.NetworkPolicyPort.tcp(d.port)];
    const inNamespace = (nsId: string, name: string) => kplus.Namespaces.select(this, nsId, { names: [name] });
    this.networkPolicy.addIngressRule(
      kplus.Pods.select(this, 'from-ingress-controller', {
        labels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
        namespaces: inNamespace('ns-ingress', namespaces.ingress),
      }),
      http,
    );
    this.networkPolicy.addIngressRule(
      kplus.Pods.select(this, 'from-prometheus', {
        labels: { 'app.kubernetes.io/name': 'prometheus' },
        namespaces: inNamespace('ns-monitoring', namespaces.monitoring),
      }),
      http,
    );
    for (const caller of props.allServices.filter((s) => s.dependencies.services.includes(d.name))) {
      this.networkPolicy.addIngressRule(kplus.Pods.select(this, `from-${caller.name}`, { labels: selectorLabels(caller.name) }), http);
    }
    this.networkPolicy.addEgressRule(
      kplus.Pods.select(this, 'to-dns', { labels: { 'k8s-app': 'kube-dns' }, namespaces: inNamespace('ns-dns', namespaces.dns) }),
      [kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)],
    );
    if (d.dependencies.postgres) {
      this.networkPolicy.addEgressRule(
        kplus.Pods.select(this, 'to-postgres', { labels: { 'cnpg.io/cluster': dataStores.postgres.cluster } }),
        [kplus.NetworkPolicyPort.tcp(endpoints.postgresPort)],
      );
    }
    if (d.dependencies.kafka) {
      this.networkPolicy.addEgressRule(
        kplus.Pods.select(this, 'to-kafka', { labels: { 'strimzi.io/cluster': dataStores.kafka.cluster, 'strimzi.io/broker-role': 'true' } }),
        [kplus.NetworkPolicyPort.tcp(dataStores.kafka.listener.port)],
      );
    }
    for (const name of d.dependencies.services) {
      const target = props.allServices.find((s) => s.name === name);
      if (!target) throw new Error(`${d.name} depends on unknown service "${name}"`);
      this.networkPolicy.addEgressRule(kplus.Pods.select(this, `to-${name}`, { labels: selectorLabels(name) }), [kplus.NetworkPolicyPort.tcp(target.port)]);
    }

    // ---- metrics
    const monitor = new ServiceMonitor({
      metadata: meta(d.name),
      spec: {
        selector: { matchLabels: selector },
        namespaceSelector: { matchNames: [ns] },
        endpoints: [{ port: 'http', path: d.metricsPath, interval: '15s', scrapeTimeout: '10s' }],
      },
    });
    monitor.validate();
    new ApiObject(this, 'service-monitor', monitor.toJSON() as ApiObjectProps);
  }
}
