/**
 * A service states its facts once, here. The service's code reads this
 * declaration (config, port, health paths) and so do the cdk8s charts
 * (Deployment, probes, ConfigMap, Secret refs, HPA, NetworkPolicy), so the
 * two can never disagree.
 */

/** One environment variable the service reads at start. */
export interface EnvSetting {
  /** Variable name, e.g. `HOLD_TTL_SECONDS`. */
  readonly name: string;
  /** What it means, for humans (README, ConfigMap comments, error messages). */
  readonly description: string;
  /** How the raw string is parsed and checked. */
  readonly kind: 'string' | 'integer' | 'boolean' | 'url' | 'list' | 'enum';
  /** Used when the variable is unset. A setting without a default is required. */
  readonly default?: string;
  /** For `integer`: inclusive bounds. */
  readonly min?: number;
  readonly max?: number;
  /** For `string`: the shortest acceptable value (e.g. signing keys). */
  readonly minLength?: number;
  /** For `enum`: the allowed values. */
  readonly values?: readonly string[];
  /**
   * True for credentials. Charts never render a value for a secret setting;
   * they reference a Kubernetes Secret key instead.
   */
  readonly secret?: boolean;
  /**
   * Where the chart takes the value from in-cluster when it is not a plain
   * default: a well-known platform dependency. Lets the chart wire e.g. the
   * CloudNativePG app secret or the Strimzi bootstrap address.
   * @default undefined (the ConfigMap carries `default`)
   */
  readonly from?: 'postgres-uri' | 'kafka-bootstrap' | 'kafka-username' | 'kafka-password' | 'service-url';
  /** With `from: 'service-url'`: the name of the service whose URL this is. */
  readonly service?: string;
  /** Only meaningful on a developer machine; charts leave it out. @default false */
  readonly localOnly?: boolean;
}

/** What the service talks to; the NetworkPolicy allows exactly these flows. */
export interface ServiceDependencies {
  readonly postgres: boolean;
  readonly kafka?: {
    /** Topics this service writes. */
    readonly produces: readonly string[];
    /** Topics this service reads, with its consumer group. */
    readonly consumes: readonly string[];
    readonly consumerGroup?: string;
  };
  /** Valkey/Redis (the platform's shared one, e.g. for rate-limit counters). @default false */
  readonly redis?: boolean;
  /** Other services of this repo it calls over HTTP, by declared name. */
  readonly services: readonly string[];
  /**
   * Servers outside the cluster it connects to (e.g. an SMTP relay), by TCP
   * port: the NetworkPolicy allows any address, on these ports only. @default none
   */
  readonly external?: readonly ExternalServer[];
}

/** A server outside the cluster a service connects to. */
export interface ExternalServer {
  readonly name: string;
  /** TCP port; with `portSetting`, the port when that setting keeps its default. */
  readonly port: number;
  /** The integer setting that holds the port: an environment that sets it (charts/environments.ts) moves the NetworkPolicy's port with it. */
  readonly portSetting?: string;
}

export interface ServiceScaling {
  /** @default 2 */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Average CPU utilisation (percent of request) the HPA aims for. */
  readonly targetCpuUtilizationPercent: number;
  /**
   * Requests per second per pod the HPA aims for through the custom metric
   * `http_requests_per_second` (prometheus-adapter). Omit for non-HTTP load.
   */
  readonly targetRequestsPerSecondPerPod?: number;
  /**
   * Messages of consumer lag per pod the HPA aims for through the custom
   * metric `kafka_consumer_lag_messages` (prometheus-adapter, from the
   * service's `kafka_consumer_lag`). Only for services that consume Kafka.
   */
  readonly targetConsumerLagPerPod?: number;
}

export interface ServiceResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export interface ServiceDeclaration {
  /** DNS-safe name: Kubernetes objects, metrics `service` label, log field. */
  readonly name: string;
  readonly description: string;
  /** The one HTTP port: API, health and /metrics. */
  readonly port: number;
  readonly health: {
    /** Process is alive (no dependency checks). */
    readonly liveness: string;
    /** Ready for traffic (dependencies reachable). */
    readonly readiness: string;
  };
  readonly metricsPath: string;
  /** Path of the OpenAPI document the service serves. */
  readonly openApiPath: string;
  /** Entry module, relative to the repository root. */
  readonly entry: string;
  readonly env: readonly EnvSetting[];
  readonly dependencies: ServiceDependencies;
  readonly resources: ServiceResources;
  readonly scaling: ServiceScaling;
  /** Seconds the pod gets to drain on SIGTERM before it is killed. */
  readonly shutdownGraceSeconds: number;
  /**
   * The public entry: the Ingress from the internet points at this service
   * and the ingress controller may reach it; every other service is reached
   * only from inside the cluster. @default false
   */
  readonly publicEntry?: boolean;
  /**
   * Routes that take a large body as a stream (never read whole): the
   * gateway forwards these as streams under their own size cap and time
   * budget instead of its small JSON body limit, the edge proxy lets a
   * request run that long, and the service's server accepts one that long.
   */
  readonly streamedUploads?: readonly StreamedUpload[];
}

/** One streamed-upload route of a service (its own path, without `/api/<service>`). */
export interface StreamedUpload {
  readonly method: 'post' | 'put';
  readonly path: string;
  /** Largest body, in bytes, as it travels (the service may bound it further, e.g. after decompression). */
  readonly maxBytes: number;
  /** Longest a whole upload may take, body and answer. */
  readonly timeoutSeconds: number;
}

/** Seconds a server must allow for receiving one whole request: 30, or the longest streamed upload it declares. */
export const requestTimeoutSecondsOf = (declaration: Pick<ServiceDeclaration, 'streamedUploads'>): number =>
  Math.max(30, ...(declaration.streamedUploads ?? []).map((u) => u.timeoutSeconds));

/** An integer setting with its default and inclusive bounds. */
export const integerSetting = (name: string, description: string, value: number, min: number, max: number): EnvSetting => ({
  name,
  description,
  kind: 'integer',
  default: String(value),
  min,
  max,
});

/** Settings every service reads; declared once, spread into each declaration. */
export const commonEnv: readonly EnvSetting[] = [
  {
    name: 'LOG_LEVEL',
    description: 'Minimum log level written to stdout as JSON.',
    kind: 'enum',
    values: ['debug', 'info', 'warn', 'error'],
    default: 'info',
  },
  {
    name: 'HOST',
    description: 'Address the HTTP server binds to.',
    kind: 'string',
    default: '0.0.0.0',
  },
];

export const databaseEnv: readonly EnvSetting[] = [
  {
    name: 'DATABASE_URL',
    description: 'PostgreSQL connection URI (postgres://user:password@host:port/db).',
    kind: 'url',
    secret: true,
    from: 'postgres-uri',
  },
  integerSetting('DATABASE_POOL_MAX', "Maximum connections in this process's pool.", 10, 1, 200),
  integerSetting('DATABASE_CONNECT_TIMEOUT_MS', 'Longest a request waits for a pool connection before it is answered 503 with Retry-After.', 2000, 100, 60000),
  integerSetting('DATABASE_STATEMENT_TIMEOUT_MS', "statement_timeout of the service's sessions: a runaway statement is cancelled (503).", 10000, 100, 600000),
  integerSetting(
    'DATABASE_LOCK_TIMEOUT_MS',
    "lock_timeout of the service's sessions: a request waiting longer for a row lock gives up (503 lock-timeout) instead of holding its connection.",
    2000,
    50,
    600000,
  ),
  integerSetting(
    'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS',
    "idle_in_transaction_session_timeout of the service's sessions: a transaction left idle this long is ended by the server, releasing its locks.",
    15000,
    100,
    600000,
  ),
  integerSetting('IDEMPOTENCY_KEY_TTL_HOURS', 'How long responses of writes made with an Idempotency-Key are kept for replay.', 24, 1, 168),
  {
    name: 'DATABASE_MIGRATE',
    description: 'Apply pending schema migrations at start (guarded by an advisory lock).',
    kind: 'boolean',
    default: 'true',
  },
];

export const kafkaEnv: readonly EnvSetting[] = [
  {
    name: 'KAFKA_BROKERS',
    description: 'Comma-separated Kafka bootstrap servers (host:port).',
    kind: 'list',
    from: 'kafka-bootstrap',
  },
  {
    name: 'KAFKA_SASL_USERNAME',
    description: 'SCRAM-SHA-512 user (in-cluster: the Strimzi KafkaUser named after the service). Empty: no authentication.',
    kind: 'string',
    default: '',
    from: 'kafka-username',
  },
  {
    name: 'KAFKA_SASL_PASSWORD',
    description: "Password of KAFKA_SASL_USERNAME (in-cluster: from the KafkaUser's Secret).",
    kind: 'string',
    default: '',
    secret: true,
    from: 'kafka-password',
  },
  {
    name: 'KAFKA_CLIENT_ID',
    description: 'Kafka client id; defaults to the service name.',
    kind: 'string',
    default: '',
  },
];

/** Conventional paths, so every service and chart agree. */
export const standardPaths = {
  health: { liveness: '/healthz', readiness: '/readyz' },
  metricsPath: '/metrics',
  openApiPath: '/openapi.json',
} as const;

/** The claims tokens carry: the users service signs with them, every other service checks them. */
export const tokenClaimsEnv: readonly EnvSetting[] = [
  {
    name: 'AUTH_ISSUER',
    description: 'The `iss` every accepted token carries (the users service signs with it).',
    kind: 'string',
    default: 'ticketing-users',
  },
  {
    name: 'AUTH_AUDIENCE',
    description: 'The `aud` every accepted token carries.',
    kind: 'string',
    default: 'ticketing',
  },
];

/** Bearer-token verification against the users service's published keys (services/platform/src/auth.ts). */
export const authEnv: readonly EnvSetting[] = [
  ...tokenClaimsEnv,
  {
    name: 'AUTH_JWKS_URL',
    description: "The users service's JWKS (public signing keys); a bare origin means its /.well-known/jwks.json.",
    kind: 'url',
    from: 'service-url',
    service: 'users',
  },
];
