/**
 * Builds strict standalone JSON schemas for kubeconform, offline, at test time
 * (into .local/, never committed):
 *  - Kubernetes: api/openapi-spec/swagger.json of the k8s.io/kubernetes Go
 *    module (fetched through the Go module proxy into the module cache);
 *  - operators: spec.versions[].schema.openAPIV3Schema of ../shared/crds, and
 *    of the CRDs an add-on names in its chartFacts.crdSource (a folder of
 *    its Go module, fetched through the Go module proxy: the Gateway API,
 *    Traefik).
 * "Strict" = every object with declared properties rejects unknown fields.
 * Layout matches the kubeconform template in SCHEMA_LOCATION.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { clusterAddons } from '../../addons.js';
import { declaredSchemas } from './declared-schemas.js';
import { localDir, requireSharedCrds } from './paths.js';

type Schema = Record<string, unknown>;

const objectMetaRef = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

function fileFor(schemaRoot: string, group: string, version: string, kind: string): string {
  // kubeconform's Group is the part before "/" of apiVersion: "v1" for the core group.
  return join(schemaRoot, group === '' ? version : group, `${kind.toLowerCase()}_${version}.json`);
}

/** Adds additionalProperties:false to every object schema that lists its properties. */
function strictify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictify);
  if (!node || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node as Schema)) {
    out[k] =
      k === 'properties' || k === 'definitions' || k === 'patternProperties'
        ? Object.fromEntries(Object.entries(v as Schema).map(([pk, pv]) => [pk, strictify(pv)]))
        : strictify(v);
  }
  if (out['nullable'] === true && typeof out['type'] === 'string') out['type'] = [out['type'], 'null'];
  if (out['x-kubernetes-int-or-string'] === true && !out['anyOf'] && !out['oneOf']) {
    delete out['type'];
    out['oneOf'] = [{ type: 'string' }, { type: 'integer' }];
  }
  if (out['properties'] && out['additionalProperties'] === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    out['additionalProperties'] = false;
  }
  return out;
}

/** Downloads `module` (path@version) through the Go module proxy into the module cache; its folder there. */
function goModuleDir(module: string): string {
  mkdirSync(localDir, { recursive: true });
  const out = execFileSync('go', ['mod', 'download', '-json', module], {
    cwd: localDir,
    env: { ...process.env, GO111MODULE: 'on' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 600_000,
  }).toString();
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module} failed: ${info.Error ?? out}`);
  return info.Dir;
}

function kubernetesSwagger(module: string): Schema {
  return JSON.parse(readFileSync(join(goModuleDir(module), 'api', 'openapi-spec', 'swagger.json'), 'utf8')) as Schema;
}

/** The CRD files of every add-on that names its CRDs' Go module (charts/addons.ts). */
export function addonCrdFiles(): string[] {
  return clusterAddons.flatMap((a) => {
    const source = a.chartFacts.crdSource;
    if (!source) return [];
    const dir = join(goModuleDir(source.module), source.dir);
    const files = readdirSync(dir).filter((f) => source.files.test(f));
    if (files.length === 0) throw new Error(`${a.name}: no CRD files matching ${source.files} in ${source.module}/${source.dir}`);
    return files.sort().map((f) => join(dir, f));
  });
}

function collectRefs(node: unknown, into: Set<string>, defs: Record<string, Schema>): void {
  if (Array.isArray(node)) return node.forEach((n) => collectRefs(n, into, defs));
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node as Schema)) {
    if (k === '$ref' && typeof v === 'string') {
      const name = v.replace('#/definitions/', '');
      if (!into.has(name)) {
        into.add(name);
        collectRefs(defs[name], into, defs);
      }
    } else collectRefs(v, into, defs);
  }
}

/** ObjectMeta of this Kubernetes version, strict, with the definitions it refers to: every custom resource's `metadata`. */
function objectMetaSchema(defs: Record<string, Schema>): Schema {
  const refs = new Set<string>([objectMetaRef]);
  collectRefs(defs[objectMetaRef], refs, defs);
  return { definitions: Object.fromEntries([...refs].sort().map((r) => [r, strictify(defs[r])])) };
}

function writeKubernetesSchemas(schemaRoot: string, module: string): number {
  const swagger = kubernetesSwagger(module);
  const defs = structuredClone(swagger['definitions'] as Record<string, Schema>);
  // Types whose JSON form is a string or a number.
  defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = { oneOf: [{ type: 'string' }, { type: 'integer' }] };
  defs['io.k8s.apimachinery.pkg.api.resource.Quantity'] = { oneOf: [{ type: 'string' }, { type: 'number' }] };
  let count = 0;
  for (const [name, def] of Object.entries(defs)) {
    const gvks = def['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[] | undefined;
    if (!gvks || gvks.length !== 1) continue;
    const { group, version, kind } = gvks[0]!;
    const refs = new Set<string>();
    collectRefs(def, refs, defs);
    const apiVersion = group === '' ? version : `${group}/${version}`;
    const root = strictify(def) as Schema;
    const props = { ...(root['properties'] as Schema) };
    props['apiVersion'] = { type: 'string', enum: [apiVersion] };
    props['kind'] = { type: 'string', enum: [kind] };
    const schema: Schema = {
      ...root,
      properties: props,
      required: [...new Set([...((root['required'] as string[]) ?? []), 'apiVersion', 'kind'])],
      definitions: Object.fromEntries([...refs].sort().map((r) => [r, strictify(defs[r])])),
    };
    const file = fileFor(schemaRoot, group, version, kind);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, JSON.stringify(schema));
    count++;
    void name;
  }
  writeFileSync(join(schemaRoot, 'objectmeta.json'), JSON.stringify(objectMetaSchema(defs)));
  return count;
}

/**
 * A custom resource's schema, strict, with `metadata` checked as the
 * Kubernetes ObjectMeta (CRDs declare it as a bare object, so a typo such as
 * `metadata.lables` would otherwise pass).
 */
function customResourceSchema(schemaRoot: string, apiVersion: string, kind: string, openApi: Schema): Schema {
  const meta = JSON.parse(readFileSync(join(schemaRoot, 'objectmeta.json'), 'utf8')) as { definitions: Schema };
  const root = strictify(openApi) as Schema;
  const props = { ...(root['properties'] as Schema) };
  props['apiVersion'] = { type: 'string', enum: [apiVersion] };
  props['kind'] = { type: 'string', enum: [kind] };
  props['metadata'] = { $ref: `#/definitions/${objectMetaRef}` };
  return { ...root, properties: props, required: ['apiVersion', 'kind', ...((root['required'] as string[]) ?? [])], definitions: meta.definitions };
}

/**
 * Writes the custom resources' schemas; those of the previous run go first
 * (listed in .crd-files), so a CRD that is no longer a source leaves no schema behind.
 */
function writeCrdSchemas(schemaRoot: string, crdsDir: string): number {
  const written: string[] = [];
  const listing = join(schemaRoot, '.crd-files');
  if (existsSync(listing)) for (const f of readFileSync(listing, 'utf8').split('\n').filter(Boolean)) rmSync(join(schemaRoot, f), { force: true });
  const write = (out: string, schema: Schema) => {
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(out, JSON.stringify(schema));
    written.push(relative(schemaRoot, out));
  };
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : []));
  for (const file of [...walk(crdsDir), ...addonCrdFiles()]) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = doc.toJS() as {
        kind?: string;
        spec?: { group: string; names: { kind: string }; versions: { name: string; schema?: { openAPIV3Schema?: Schema } }[] };
      } | null;
      if (!crd || crd.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      for (const v of crd.spec.versions) {
        const s = v.schema?.openAPIV3Schema;
        if (!s) continue;
        write(
          fileFor(schemaRoot, crd.spec.group, v.name, crd.spec.names.kind),
          customResourceSchema(schemaRoot, `${crd.spec.group}/${v.name}`, crd.spec.names.kind, s),
        );
      }
    }
  }
  for (const d of declaredSchemas) {
    const [group, version] = d.apiVersion.split('/') as [string, string];
    write(fileFor(schemaRoot, group, version, d.kind), customResourceSchema(schemaRoot, d.apiVersion, d.kind, d.schema));
  }
  writeFileSync(listing, `${written.join('\n')}\n`);
  return written.length;
}

/**
 * Builds (once per machine and Kubernetes version, or when the inputs change)
 * the schema folder of `module` (e.g. k8s.io/kubernetes@v1.34.4); returns its
 * kubeconform -schema-location template.
 */
export function ensureSchemas(module: string): string {
  const crds = requireSharedCrds();
  const schemaRoot = join(localDir, 'schemas', module.replace(/[^a-z0-9.@]/gi, '_'));
  const buildMark = join(schemaRoot, '.built-v3');
  if (!existsSync(buildMark)) {
    rmSync(schemaRoot, { recursive: true, force: true });
    mkdirSync(schemaRoot, { recursive: true });
    const k8s = writeKubernetesSchemas(schemaRoot, module);
    const custom = writeCrdSchemas(schemaRoot, crds);
    writeFileSync(buildMark, `${k8s} kubernetes + ${custom} CRD schemas\n`);
  } else {
    // CRDs are cheap: always refresh them so a changed ../shared/crds is picked up.
    writeCrdSchemas(schemaRoot, crds);
  }
  return join(schemaRoot, '{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json');
}
