import { ApiObject, Duration, JsonPatch, Size, type ApiObjectMetadata } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { ServiceDeclaration, ServiceResources } from '@ticketing/platform/service-declaration';
import { containerCpu, containerMemory } from '../quantity.js';

/** Numeric uid/gid the containers run as (matches the `node` user of services/Dockerfile). */
export const RUN_AS_USER = 1000;

export interface ServiceWorkloadProps {
  /** Name, port (`http`), health paths and shutdown grace of the service. */
  readonly declaration: ServiceDeclaration;
  /** Container image reference, `<registry>/<service>:<version>`. */
  readonly image: string;
  /** Namespace and labels of every object; each is named after the service. */
  readonly metadata: ApiObjectMetadata;
  /** Labels that select the service's pods (a stable subset of the metadata labels). */
  readonly selectorLabels: Record<string, string>;
  /** Requests/limits of the container. */
  readonly resources: ServiceResources;
  /** The container's environment, by variable name. */
  readonly envVariables: Record<string, kplus.EnvValue>;
  /** Hash of the settings, set as the `checksum/config` pod annotation so a change rolls the pods. */
  readonly configChecksum: string;
  /**
   * Seconds the startup probe waits in total before the kubelet gives up
   * (covers schema migrations at start).
   * @default 120
   */
  readonly startupBudgetSeconds?: number;
  /**
   * Size limit of the emptyDir mounted at /tmp.
   * @default 64
   */
  readonly tmpSizeMebibytes?: number;
}

/**
 * The pods of one service and how they are reached: ServiceAccount (no
 * token), Deployment (non-root, read-only root filesystem, probes, rolling
 * update without loss of capacity, spread over zones and nodes) and its
 * ClusterIP Service on port `http`.
 */
export class ServiceWorkload extends Construct {
  public readonly serviceAccount: kplus.ServiceAccount;
  public readonly deployment: kplus.Deployment;
  public readonly service: kplus.Service;

  constructor(scope: Construct, id: string, props: ServiceWorkloadProps) {
    super(scope, id);
    const d = props.declaration;
    const metadata = { ...props.metadata, name: d.name };
    const selector = props.selectorLabels;
    this.serviceAccount = new kplus.ServiceAccount(this, 'service-account', { metadata, automountToken: false });

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
      metadata,
      select: false,
      spread: false,
      podMetadata: {
        labels: props.metadata.labels,
        annotations: { 'checksum/config': props.configChecksum, 'kubectl.kubernetes.io/default-container': d.name },
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
          envVariables: props.envVariables,
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
    ApiObject.of(this.deployment).addJsonPatch(
      // Selects the pods by their stable labels only, not cdk8s' address label.
      JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
      // cdk8s-plus-27 has no `ALL` capability; drop everything explicitly.
      JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
      JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          // Best effort: nodes without zone labels (kind, minikube, bare metal) must still schedule.
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: selector },
          matchLabelKeys: ['pod-template-hash'],
        },
        {
          maxSkew: 1,
          topologyKey: 'kubernetes.io/hostname',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: selector },
          matchLabelKeys: ['pod-template-hash'],
        },
      ]),
    );

    this.service = new kplus.Service(this, 'service', {
      metadata,
      type: kplus.ServiceType.CLUSTER_IP,
      selector: kplus.Pods.select(this, 'pods', { labels: selector }),
      ports: [{ name: 'http', port: d.port, targetPort: d.port, protocol: kplus.Protocol.TCP }],
    });
  }
}
