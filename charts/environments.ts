import type { ServiceDeclaration, ServiceResources, ServiceScaling } from '@ticketing/platform/service-declaration';
import type { PostgresClusterSettings } from './lib/postgres-cluster.js';
import type { KafkaClusterSettings } from './lib/kafka-cluster.js';
import { cpuMillis, memoryMebibytes } from './lib/quantity.js';

/**
 * Everything that differs between environments, in one place. Services'
 * numbers (resources, replica ranges) come from their declarations; an
 * environment only says how to derive its own from them (prod takes them as
 * declared, dev shrinks them). Each environment is its own cluster with its
 * own Argo CD, bootstrapped from argocd/<env>/.
 */
export interface EnvironmentSettings {
  /** Folder under dist/ and argocd/, and the `environment` label. */
  readonly name: 'dev' | 'prod';
  /** Public DNS domain; service `x` is served at `x.<domain>`. */
  readonly domain: string;
  /** cert-manager ClusterIssuer that signs the public hosts' certificates. */
  readonly clusterIssuer: { readonly name: string; readonly acmeServer: string; readonly email: string };
  /** Replica range of each service's HPA, from its declared scaling. */
  readonly scaling: (declared: ServiceScaling) => { readonly min: number; readonly max: number };
  /** Requests/limits of each service, from its declared resources. */
  readonly resources: (declared: ServiceResources) => ServiceResources;
  /** Requests in flight the edge proxy allows one client IP (its request rate follows the gateway's, see edgeRateLimit). */
  readonly edgeConnectionsPerIp: number;
  /** Edge proxy (Traefik) pods, and whether a PodDisruptionBudget keeps all but one of them up during node drains. */
  readonly edgeProxy: { readonly replicas: number; readonly podDisruptionBudget: boolean };
  readonly postgres: PostgresClusterSettings;
  readonly kafka: KafkaClusterSettings;
  readonly observability: {
    readonly prometheusRetention: string;
    readonly prometheusStorageSize: string;
    readonly lokiStorageSize: string;
    readonly lokiRetention: string;
  };
  /**
   * The SMTP relay email to buyers goes out through. The credentials are not
   * here: SMTP_USERNAME and SMTP_PASSWORD are keys of the service's Secret
   * (`notifications-secrets`, charts/external-secrets.ts), created in each
   * environment's cluster.
   */
  readonly mail: {
    readonly smtpHost: string;
    readonly smtpPort: number;
    /** TLS from the first byte (port 465); otherwise STARTTLS, which `smtpRequireTls` insists on. */
    readonly smtpSecure: boolean;
    readonly smtpRequireTls: boolean;
    /** Sender of every email, e.g. `Ticketing <tickets@tickets.example.com>`. */
    readonly from: string;
  };
}

/** Where people reach the platform in `env`: the public entry's host (the web UI and `/api/…`). */
export function publicBaseUrl(env: EnvironmentSettings, services: readonly ServiceDeclaration[]): string {
  const entry = services.find((s) => s.publicEntry);
  if (!entry) throw new Error('no service is the public entry');
  return `https://${entry.name}.${env.domain}`;
}

/**
 * The plain values an environment gives to the settings a service declares
 * (the rest keep their declared defaults): the public URL links to buyers
 * start with, and the SMTP relay. Secrets are never among them.
 */
export function environmentSettingValues(
  env: EnvironmentSettings,
  service: ServiceDeclaration,
  services: readonly ServiceDeclaration[],
): Record<string, string> {
  const values: Record<string, () => string> = {
    PUBLIC_BASE_URL: () => publicBaseUrl(env, services),
    SMTP_HOST: () => env.mail.smtpHost,
    SMTP_PORT: () => String(env.mail.smtpPort),
    SMTP_SECURE: () => String(env.mail.smtpSecure),
    SMTP_REQUIRE_TLS: () => String(env.mail.smtpRequireTls),
    MAIL_FROM: () => env.mail.from,
  };
  const declared = new Set(service.env.map((e) => e.name));
  return Object.fromEntries(Object.entries(values).flatMap(([name, value]) => (declared.has(name) ? [[name, value()]] : [])));
}

function scaleQuantities(r: ServiceResources, factor: number): ServiceResources {
  return {
    requests: {
      cpu: `${Math.max(10, Math.round(cpuMillis(r.requests.cpu) * factor))}m`,
      memory: `${Math.max(32, Math.round(memoryMebibytes(r.requests.memory) * factor))}Mi`,
    },
    limits: r.limits,
  };
}

const letsEncrypt = {
  production: 'https://acme-v02.api.letsencrypt.org/directory',
  staging: 'https://acme-staging-v02.api.letsencrypt.org/directory',
};

export const environments: readonly EnvironmentSettings[] = [
  {
    name: 'dev',
    domain: 'dev.tickets.example.com',
    clusterIssuer: { name: 'letsencrypt-staging', acmeServer: letsEncrypt.staging, email: 'platform@tickets.example.com' },
    // One pod at rest, a quarter of prod's headroom: enough to see the HPA work.
    scaling: (s) => ({ min: 1, max: Math.max(2, Math.ceil(s.maxReplicas / 4)) }),
    // Half the requests (dense dev nodes), same limits.
    resources: (r) => scaleQuantities(r, 0.5),
    edgeConnectionsPerIp: 50,
    edgeProxy: { replicas: 1, podDisruptionBudget: false },
    postgres: {
      instances: 1,
      storageSize: '5Gi',
      walStorageSize: '2Gi',
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      backup: {
        destinationPath: 's3://ticketing-dev-pg-backups/',
        endpointURL: 'https://s3.eu-central-1.amazonaws.com',
        retention: '7d',
        schedule: '0 0 3 * * *',
      },
    },
    kafka: {
      controllers: 0,
      brokers: 1,
      storageSize: '10Gi',
      resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
      topicReplicas: 1,
    },
    mail: {
      smtpHost: 'email-smtp.eu-central-1.amazonaws.com',
      smtpPort: 587,
      smtpSecure: false,
      smtpRequireTls: true,
      from: 'Ticketing (dev) <tickets@dev.tickets.example.com>',
    },
    observability: {
      prometheusRetention: '3d',
      prometheusStorageSize: '10Gi',
      lokiStorageSize: '10Gi',
      lokiRetention: '72h',
    },
  },
  {
    name: 'prod',
    domain: 'tickets.example.com',
    clusterIssuer: { name: 'letsencrypt-prod', acmeServer: letsEncrypt.production, email: 'platform@tickets.example.com' },
    scaling: (s) => ({ min: s.minReplicas, max: s.maxReplicas }),
    resources: (r) => r,
    edgeConnectionsPerIp: 20,
    edgeProxy: { replicas: 3, podDisruptionBudget: true },
    postgres: {
      instances: 3,
      synchronousStandbys: 1,
      storageSize: '100Gi',
      walStorageSize: '20Gi',
      resources: { requests: { cpu: '1', memory: '4Gi' }, limits: { cpu: '4', memory: '4Gi' } },
      backup: {
        destinationPath: 's3://ticketing-prod-pg-backups/',
        endpointURL: 'https://s3.eu-central-1.amazonaws.com',
        retention: '30d',
        schedule: '0 0 2 * * *',
      },
    },
    kafka: {
      controllers: 3,
      brokers: 3,
      storageSize: '200Gi',
      resources: { requests: { cpu: '1', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } },
      topicReplicas: 3,
    },
    mail: {
      smtpHost: 'email-smtp.eu-central-1.amazonaws.com',
      smtpPort: 587,
      smtpSecure: false,
      smtpRequireTls: true,
      from: 'Ticketing <tickets@tickets.example.com>',
    },
    observability: {
      prometheusRetention: '15d',
      prometheusStorageSize: '100Gi',
      lokiStorageSize: '100Gi',
      lokiRetention: '744h',
    },
  },
];

export function environment(name: string): EnvironmentSettings {
  const env = environments.find((e) => e.name === name);
  if (!env) throw new Error(`unknown environment "${name}"`);
  return env;
}
