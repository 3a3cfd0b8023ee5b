/**
 * Schemas of custom resources whose CRDs are not in ../shared/crds, declared
 * here for exactly the fields the charts set (strictified like the others,
 * so an unknown or misspelt field fails). Keep them in step with the typed
 * models in charts/lib/crds/.
 */
type Schema = Record<string, unknown>;

const string = { type: 'string' };
const secretKeySelector = { type: 'object', required: ['name', 'key'], properties: { name: string, key: string } };
const compression = { type: 'object', properties: { compression: { type: 'string', enum: ['gzip', 'bzip2', 'snappy'] } } };

export const declaredSchemas: readonly { readonly apiVersion: string; readonly kind: string; readonly schema: Schema }[] = [
  {
    // plugin-barman-cloud (cloudnative-pg/plugin-barman-cloud): spec.configuration is CNPG's BarmanObjectStoreConfiguration.
    apiVersion: 'barmancloud.cnpg.io/v1',
    kind: 'ObjectStore',
    schema: {
      type: 'object',
      required: ['spec'],
      properties: {
        apiVersion: string,
        kind: string,
        metadata: { type: 'object' },
        spec: {
          type: 'object',
          required: ['configuration'],
          properties: {
            retentionPolicy: { type: 'string', pattern: '^[1-9][0-9]*[dwm]$' },
            configuration: {
              type: 'object',
              required: ['destinationPath'],
              properties: {
                destinationPath: { type: 'string', minLength: 1 },
                endpointURL: string,
                s3Credentials: {
                  type: 'object',
                  properties: { accessKeyId: secretKeySelector, secretAccessKey: secretKeySelector },
                },
                wal: compression,
                data: compression,
              },
            },
          },
        },
      },
    },
  },
];
