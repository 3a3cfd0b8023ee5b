import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Application, type IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';

type ApplicationSource = NonNullable<IApplication['spec']['source']>;

export interface ArgoApplicationProps {
  /** Application name (unique in the Argo CD namespace). */
  readonly name: string;
  /** Namespace Argo CD runs in. */
  readonly argocdNamespace: string;
  /** AppProject the application belongs to. */
  readonly project: string;
  /** Where the manifests come from: a git path of dist/ or a Helm chart. */
  readonly source: ApplicationSource;
  /** Namespace the resources go to (when they do not say). */
  readonly destinationNamespace: string;
  /** Argo CD sync wave: lower waves are synced (and healthy) first. */
  readonly syncWave: number;
  /**
   * Extra sync options, on top of PruneLast=true and ApplyOutOfSyncOnly=true.
   * No CreateNamespace: the namespaces Application (wave -1) creates the
   * platform's namespaces, with their Pod Security labels, before anything
   * syncs into them (argocd and kube-system exist already).
   * @default []
   */
  readonly syncOptions?: readonly string[];
  /** Labels on the Application. @default {} */
  readonly labels?: Record<string, string>;
  /**
   * Differences Argo CD should ignore (fields other controllers own).
   * @default none
   */
  readonly ignoreDifferences?: IApplication['spec']['ignoreDifferences'];
}

/** Automated sync with prune and self-heal, retried with backoff. */
export const automatedSync = {
  automated: { prune: true, selfHeal: true },
  retry: { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
} as const;

/**
 * An Argo CD Application with the platform's sync policy: automated
 * prune + selfHeal, retries with backoff, ordered by sync wave.
 */
export class ArgoApplication extends Construct {
  constructor(scope: Construct, id: string, props: ArgoApplicationProps) {
    super(scope, id);
    const app = new Application({
      metadata: {
        name: props.name,
        namespace: props.argocdNamespace,
        labels: props.labels ?? {},
        annotations: { 'argocd.argoproj.io/sync-wave': String(props.syncWave) },
        // Deleting the Application deletes what it deployed.
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
      },
      spec: {
        project: props.project,
        source: props.source,
        destination: { server: 'https://kubernetes.default.svc', namespace: props.destinationNamespace },
        syncPolicy: {
          ...automatedSync,
          automated: { ...automatedSync.automated },
          retry: { ...automatedSync.retry, backoff: { ...automatedSync.retry.backoff } },
          syncOptions: ['PruneLast=true', 'ApplyOutOfSyncOnly=true', ...(props.syncOptions ?? [])],
        },
        ...(props.ignoreDifferences ? { ignoreDifferences: props.ignoreDifferences } : {}),
      },
    });
    app.validate();
    new ApiObject(this, 'application', app.toJSON());
  }
}
