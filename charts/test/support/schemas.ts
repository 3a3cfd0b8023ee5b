/**
 * Builds strict standalone JSON schemas for kubeconform, offline, at test time
 * (into .local/, never committed):
 *  - Kubernetes: api/openapi-spec/swagger.json of the k8s.io/kubernetes Go
 *    module (fetched through the Go module proxy into the module cache);
 *  - operators: spec.versions[].schema.openAPIV3Schema of ../shared/crds.
 * "Strict" = every object with declared properties rejects unknown fields.
 * Layout matches the kubeconform template in SCHEMA_LOCATION.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { localDir, requireSharedCrds } from './paths.js';

/** Kubernetes version whose API schemas dist/ is checked against (oldest supported is 1.27; 1.31 has the same shapes for what we use). */
export const KUBERNETES_MODULE = 'k8s.io/kubernetes@v1.31.4';
const schemaRoot = join(localDir, 'schemas');
/** kubeconform -schema-location template for the schemas written here. */
export const SCHEMA_LOCATION = join(schemaRoot, '{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json');
const BUILD_MARK = join(schemaRoot, `.built-${KUBERNETES_MODULE.replace(/[^a-z0-9.]/gi, '_')}-v2`);

type Schema = Record<string, unknown>;

function fileFor(group: string, version: string, kind: string): string {
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

function kubernetesSwagger(): Schema {
  mkdirSync(localDir, { recursive: true });
  const out = execFileSync('go', ['mod', 'download', '-json', KUBERNETES_MODULE], {
    cwd: localDir,
    env: { ...process.env, GO111MODULE: 'on' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 600_000,
  }).toString();
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${KUBERNETES_MODULE} failed: ${info.Error ?? out}`);
  return JSON.parse(readFileSync(join(info.Dir, 'api', 'openapi-spec', 'swagger.json'), 'utf8')) as Schema;
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

function writeKubernetesSchemas(): number {
  const swagger = kubernetesSwagger();
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
    const file = fileFor(group, version, kind);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, JSON.stringify(schema));
    count++;
    void name;
  }
  return count;
}

function writeCrdSchemas(crdsDir: string): number {
  let count = 0;
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : []));
  for (const file of walk(crdsDir)) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = doc.toJS() as {
        kind?: string;
        spec?: { group: string; names: { kind: string }; versions: { name: string; schema?: { openAPIV3Schema?: Schema } }[] };
      } | null;
      if (!crd || crd.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      for (const v of crd.spec.versions) {
        const s = v.schema?.openAPIV3Schema;
        if (!s) continue;
        const root = strictify(s) as Schema;
        const props = { ...(root['properties'] as Schema) };
        props['apiVersion'] = { type: 'string', enum: [`${crd.spec.group}/${v.name}`] };
        props['kind'] = { type: 'string', enum: [crd.spec.names.kind] };
        const out = fileFor(crd.spec.group, v.name, crd.spec.names.kind);
        mkdirSync(join(out, '..'), { recursive: true });
        writeFileSync(out, JSON.stringify({ ...root, properties: props, required: ['apiVersion', 'kind', ...((root['required'] as string[]) ?? [])] }));
        count++;
      }
    }
  }
  return count;
}

/** Builds (once per machine, or when the inputs change) the schema folder; returns the kubeconform template. */
export function ensureSchemas(): string {
  const crds = requireSharedCrds();
  if (!existsSync(BUILD_MARK)) {
    rmSync(schemaRoot, { recursive: true, force: true });
    mkdirSync(schemaRoot, { recursive: true });
    const k8s = writeKubernetesSchemas();
    const custom = writeCrdSchemas(crds);
    writeFileSync(BUILD_MARK, `${k8s} kubernetes + ${custom} CRD schemas\n`);
  } else {
    // CRDs are cheap: always refresh them so a changed ../shared/crds is picked up.
    writeCrdSchemas(crds);
  }
  return SCHEMA_LOCATION;
}
