import { Duration, type ApiObjectMetadata } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

export interface ServiceAutoscalingProps {
  /** The Deployment to scale and protect. */
  readonly deployment: kplus.Deployment;
  /** Name, namespace and labels of the HPA and the PodDisruptionBudget. */
  readonly metadata: ApiObjectMetadata;
  /** Labels that select the Deployment's pods (for the PodDisruptionBudget). */
  readonly selectorLabels: Record<string, string>;
  /** Replica range. */
  readonly replicas: { readonly min: number; readonly max: number };
  /** Average CPU utilisation (percent of request) to aim for. */
  readonly targetCpuUtilizationPercent: number;
  /**
   * Per-pod custom metrics to aim for as well (served by prometheus-adapter):
   * the HPA follows whichever asks for the most replicas.
   * @default none (CPU only)
   */
  readonly podMetrics?: readonly { readonly name: string; readonly averageValue: number }[];
}

/**
 * Scaling and disruption of one service: an HPA that scales up fast (onsale
 * spikes) and down slowly, and a PodDisruptionBudget of one pod.
 */
export class ServiceAutoscaling extends Construct {
  public readonly autoscaler: kplus.HorizontalPodAutoscaler;

  constructor(scope: Construct, id: string, props: ServiceAutoscalingProps) {
    super(scope, id);
    const metrics = [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(props.targetCpuUtilizationPercent))];
    for (const podMetric of props.podMetrics ?? []) {
      metrics.push(kplus.Metric.pods({ name: podMetric.name, target: kplus.MetricTarget.averageValue(podMetric.averageValue) }));
    }
    this.autoscaler = new kplus.HorizontalPodAutoscaler(this, 'hpa', {
      metadata: props.metadata,
      target: props.deployment,
      minReplicas: props.replicas.min,
      maxReplicas: props.replicas.max,
      metrics,
      // Up fast: double or +4 pods every 15 s, whichever is more.
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
      metadata: props.metadata,
      spec: {
        maxUnavailable: kplus.k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: props.selectorLabels },
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
  }
}
