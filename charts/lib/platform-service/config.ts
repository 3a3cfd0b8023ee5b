import { createHash } from 'node:crypto';
import type { ApiObjectMetadata } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { parseSetting } from '@ticketing/platform/config';
import type { EnvSetting, ServiceDeclaration } from '@ticketing/platform/service-declaration';

/** Name of the Secret holding a service's own credentials (created outside git). */
export function serviceSecretName(service: string): string {
  return `${service}-secrets`;
}

/** Where the `from:` settings of a declaration point in-cluster. */
export interface PlatformEndpoints {
  /** Secret whose `uri` key is the PostgreSQL connection URI (`from: 'postgres-uri'`). */
  readonly postgresUriSecret: string;
  /** Kafka bootstrap address (`from: 'kafka-bootstrap'`). */
  readonly kafkaBootstrap: string;
  /** Namespace the services' own Services live in (`from: 'service-url'`). */
  readonly servicesNamespace: string;
}

export interface ServiceConfigProps {
  /** The service whose settings these are. */
  readonly declaration: ServiceDeclaration;
  /** Every service of the platform, to resolve `from: 'service-url'` settings. */
  readonly allServices: readonly ServiceDeclaration[];
  readonly endpoints: PlatformEndpoints;
  /** Namespace and labels of the ConfigMap; its name is `<service>-config`. */
  readonly metadata: ApiObjectMetadata;
  /** This environment's values of plain settings (instead of their defaults); each checked as the service checks it at start. @default none */
  readonly values?: Readonly<Record<string, string>>;
}

/** The environment's value of a plain setting, checked: a value the service would refuse, or one for a secret, fails the synth. */
function environmentValue(service: ServiceDeclaration, name: string, raw: string): string {
  const setting = service.env.find((e) => e.name === name);
  if (!setting) throw new Error(`${service.name}: the environment sets ${name}, which the service does not declare`);
  if (setting.secret || setting.from || setting.localOnly)
    throw new Error(`${service.name}: ${name} is not a plain setting; an environment cannot set it in dist/`);
  try {
    parseSetting(setting, raw);
  } catch (error) {
    throw new Error(`${service.name}: ${(error as Error).message}`);
  }
  return raw;
}

/** How one declared env setting is supplied in-cluster. */
type EnvSource =
  | { readonly kind: 'configmap'; readonly value: string }
  | { readonly kind: 'secret'; readonly secretName: string; readonly key: string }
  | { readonly kind: 'skip' };

function envSource(service: ServiceDeclaration, setting: EnvSetting, props: ServiceConfigProps): EnvSource {
  if (setting.localOnly) return { kind: 'skip' };
  if (setting.from === 'postgres-uri') return { kind: 'secret', secretName: props.endpoints.postgresUriSecret, key: 'uri' };
  // Strimzi's User Operator names the KafkaUser's Secret after the user (= the service).
  if (setting.from === 'kafka-username') return { kind: 'configmap', value: service.name };
  if (setting.from === 'kafka-password') return { kind: 'secret', secretName: service.name, key: 'password' };
  if (setting.secret) return { kind: 'secret', secretName: serviceSecretName(service.name), key: setting.name };
  if (setting.from === 'kafka-bootstrap') return { kind: 'configmap', value: props.endpoints.kafkaBootstrap };
  if (setting.from === 'service-url') {
    const target = props.allServices.find((s) => s.name === setting.service);
    if (!target) throw new Error(`${service.name}: ${setting.name} names unknown service "${setting.service}"`);
    return { kind: 'configmap', value: `http://${target.name}.${props.endpoints.servicesNamespace}.svc.cluster.local:${target.port}` };
  }
  const value = props.values?.[setting.name];
  if (value !== undefined) return { kind: 'configmap', value };
  if (setting.default === undefined) {
    throw new Error(`${service.name}: ${setting.name} has no default, no 'from' and is not secret: the chart cannot supply it`);
  }
  return { kind: 'configmap', value: setting.default };
}

/**
 * The in-cluster settings of one service: a ConfigMap of the plain values and
 * Secret key references for credentials, as the container's environment.
 */
export class ServiceConfig extends Construct {
  public readonly configMap: kplus.ConfigMap;
  /** Every setting the container reads, by variable name. */
  public readonly envVariables: Record<string, kplus.EnvValue> = {};
  /** Hash of the plain values: a pod annotation, so a changed setting rolls the pods. */
  public readonly checksum: string;
  /** The rendered value of each plain setting, by name. */
  public readonly plainValues: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ServiceConfigProps) {
    super(scope, id);
    const d = props.declaration;
    for (const [name, raw] of Object.entries(props.values ?? {})) environmentValue(d, name, raw);
    const plain: Record<string, string> = {};
    const secretRefs: { name: string; secretName: string; key: string }[] = [];
    for (const setting of d.env) {
      const src = envSource(d, setting, props);
      if (src.kind === 'configmap') plain[setting.name] = src.value;
      else if (src.kind === 'secret') secretRefs.push({ name: setting.name, secretName: src.secretName, key: src.key });
    }
    this.configMap = new kplus.ConfigMap(this, 'config', { metadata: { ...props.metadata, name: `${d.name}-config` }, data: plain });
    this.checksum = createHash('sha256').update(JSON.stringify(plain)).digest('hex');
    this.plainValues = plain;

    for (const name of Object.keys(plain)) this.envVariables[name] = kplus.EnvValue.fromConfigMap(this.configMap, name, { optional: false });
    const secrets = new Map<string, kplus.ISecret>();
    for (const ref of secretRefs) {
      let secret = secrets.get(ref.secretName);
      if (!secret) {
        secret = kplus.Secret.fromSecretName(this, `secret-${ref.secretName}`, ref.secretName);
        secrets.set(ref.secretName, secret);
      }
      this.envVariables[ref.name] = kplus.EnvValue.fromSecretValue({ secret, key: ref.key }, { optional: false });
    }
  }
}
