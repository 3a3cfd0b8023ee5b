import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import { serviceSecretName } from './lib/platform-service/config.js';
import { grafanaAdminSecret } from './addons.js';
import { dataStores, namespaces } from './settings.js';

/**
 * Secrets that are referenced from dist/ but never stored in git. Each is
 * created in the cluster by an operator of the platform, or by a person /
 * External Secrets (see docs/gitops.md). The policy test fails when dist/
 * references a Secret that is neither rendered nor listed here.
 */
export interface ExternalSecret {
  readonly namespace: string;
  readonly name: string;
  /** Keys the manifests read. */
  readonly keys: readonly string[];
  /** Who creates it. */
  readonly createdBy: 'cloudnative-pg' | 'strimzi' | 'cert-manager' | 'operator (kubectl or External Secrets)';
}

export function externalSecrets(services: readonly ServiceDeclaration[]): ExternalSecret[] {
  const ns = namespaces.app;
  const list: ExternalSecret[] = [
    { namespace: ns, name: `${dataStores.postgres.cluster}-app`, keys: ['uri', 'username', 'password', 'host', 'port', 'dbname'], createdBy: 'cloudnative-pg' },
    {
      namespace: ns,
      name: `${dataStores.postgres.cluster}-backup-credentials`,
      keys: ['ACCESS_KEY_ID', 'ACCESS_SECRET_KEY'],
      createdBy: 'operator (kubectl or External Secrets)',
    },
    {
      namespace: grafanaAdminSecret.namespace,
      name: grafanaAdminSecret.name,
      keys: [grafanaAdminSecret.userKey, grafanaAdminSecret.passwordKey],
      createdBy: 'operator (kubectl or External Secrets)',
    },
    ...(services.some((s) => s.dependencies.redis)
      ? [
          {
            namespace: ns,
            name: dataStores.valkey.usersSecret,
            keys: ['default', 'waiting-room'],
            createdBy: 'operator (kubectl or External Secrets)' as const,
          },
        ]
      : []),
  ];
  for (const s of services) {
    const keys = s.env.filter((e) => e.secret && !e.localOnly && e.from !== 'postgres-uri').map((e) => e.name);
    if (keys.length > 0) list.push({ namespace: ns, name: serviceSecretName(s.name), keys, createdBy: 'operator (kubectl or External Secrets)' });
    if (s.dependencies.kafka) list.push({ namespace: ns, name: s.name, keys: ['password', 'sasl.jaas.config'], createdBy: 'strimzi' });
  }
  return list;
}
