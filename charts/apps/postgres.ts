import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import type { EnvironmentSettings } from '../environments.js';
import { allServices } from '../../services/services.js';
import { barmanCloudPlugin } from '../addons.js';
import { PostgresCluster } from '../lib/postgres-cluster.js';
import { selectorLabels } from '../lib/labels.js';
import { addonPods, dataStores, namespaces, partOf } from '../settings.js';

export interface PostgresChartProps extends ChartProps {
  readonly environment: EnvironmentSettings;
}

/** The platform's PostgreSQL (CloudNativePG) cluster and its backups. */
export class PostgresChart extends Chart {
  constructor(scope: Construct, id: string, props: PostgresChartProps) {
    super(scope, id, { ...props, namespace: namespaces.app });
    new PostgresCluster(this, 'postgres', {
      name: dataStores.postgres.cluster,
      namespace: namespaces.app,
      database: dataStores.postgres.database,
      owner: dataStores.postgres.owner,
      settings: props.environment.postgres,
      clients: allServices,
      podLabels: selectorLabels,
      operator: addonPods.cnpgOperator,
      prometheus: addonPods.prometheus,
      backupPlugin: barmanCloudPlugin,
      backupCredentialsSecret: `${dataStores.postgres.cluster}-backup-credentials`,
      labels: { 'app.kubernetes.io/part-of': partOf, 'app.kubernetes.io/component': 'database' },
    });
  }
}
