import { ApiObject, type ApiObjectMetadata } from 'cdk8s';
import type { Construct } from 'constructs';

/** Container requests/limits, as the operators' resources fields take them. */
export interface ResourceRequirements {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** What every custom resource of the platform is made from: its metadata and a typed spec. */
export interface CustomResourceProps<Spec> {
  readonly metadata: ApiObjectMetadata;
  readonly spec: Spec;
}

/** A construct class for one custom resource kind, typed by its spec. */
export type CustomResourceClass<Spec> = new (scope: Construct, id: string, props: CustomResourceProps<Spec>) => ApiObject;

/**
 * Makes the construct class of one custom resource kind, so each operator's
 * models declare only their spec types and one line per kind.
 */
export function customResource<Spec>(apiVersion: string, kind: string): CustomResourceClass<Spec> {
  return class extends ApiObject {
    constructor(scope: Construct, id: string, props: CustomResourceProps<Spec>) {
      super(scope, id, { apiVersion, kind, metadata: props.metadata, spec: props.spec });
    }
  };
}
