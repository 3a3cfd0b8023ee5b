/**
 * Policy checks on everything in dist/ and argocd/, in the spirit of
 * kube-linter (which also runs when it is installed on this machine).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { allServices } from '../../services/services.js';
import { clusterAddons, waves } from '../addons.js';
import { k6RunnerPodLabels, k6ScriptFiles, loadTestProfiles, renderTestRun } from '../apps/load-testing.js';
import { externalSecrets } from '../external-secrets.js';
import { environments } from '../environments.js';
import { addonPods, dataStores, edgeProxy, endpoints, namespaces, publicGateway } from '../settings.js';
import { byKind, listFiles, loadManifests, matches, type K8sObject, type Manifest } from './support/manifests.js';
import { repoRoot } from './support/paths.js';
import { findKubeLinter } from './support/tools.js';
import { ownedNamespaces } from '../apps/namespaces.js';
import { kafkaUsers } from '../lib/kafka-cluster.js';
import { selectorLabels } from '../lib/labels.js';
import { release, releasedImages } from '../release.js';

const all = loadManifests();
const envNames = environments.map((e) => e.name);
const inEnv = (env: string) => all.filter((m) => m.env === env);
const ns = (o: K8sObject) => o.metadata.namespace ?? 'default';
const id = (m: Manifest) => `${m.file} ${m.object.kind}/${m.object.metadata.name}`;
const podTemplates = (ms: Manifest[]) =>
  ms.filter((m) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(m.object.kind)).map((m) => ({ m, pod: m.object.spec.template }));

test('dist/ has one file per chart per environment, named after what it holds', () => {
  for (const env of envNames) {
    const files = listFiles(join(repoRoot, 'dist', env));
    const loadTesting = loadTestProfiles[env] ? ['load-testing'] : [];
    const expected = [
      'argocd-apps',
      'namespaces',
      'cert-issuers',
      'postgres',
      'kafka',
      'valkey',
      'observability',
      ...loadTesting,
      ...allServices.map((s) => s.name),
    ].map((n) => `${n}.k8s.yaml`);
    assert.deepEqual(files, [...expected].sort());
    assert.deepEqual(listFiles(join(repoRoot, 'argocd', env)), ['bootstrap.k8s.yaml']);
  }
});

test('the public routes point only at the public entry, through the rate limits; nothing else is reachable from outside', () => {
  const publicEntries = allServices.filter((s) => s.publicEntry).map((s) => s.name);
  assert.deepEqual(publicEntries, ['gateway']);
  const gatewayService = allServices.find((s) => s.name === 'gateway')!;
  const declared = (name: string) => Number(gatewayService.env.find((e) => e.name === name)!.default);
  for (const env of envNames) {
    const objs = inEnv(env);
    assert.equal(byKind(objs, 'Ingress').length, 0, `${env}: no Ingress (the edge is the Gateway API)`);
    const gateways = byKind(objs, 'Gateway');
    assert.deepEqual(
      gateways.map((g) => `${g.object.metadata.namespace}/${g.object.metadata.name} ${g.object.spec.gatewayClassName}`),
      [`${publicGateway.namespace}/${publicGateway.name} ${edgeProxy.gatewayClass}`],
    );
    const routes = byKind(objs, 'HTTPRoute');
    assert.ok(
      routes.some((r) => r.object.spec.rules.some((rule: { backendRefs?: unknown[] }) => rule.backendRefs)),
      `${env}: a route to the public entry`,
    );
    for (const r of routes) {
      for (const parent of r.object.spec.parentRefs) assert.equal(parent.name, publicGateway.name, id(r));
      for (const rule of r.object.spec.rules as { backendRefs?: { name: string }[]; filters?: { extensionRef?: { name: string } }[] }[]) {
        if (!rule.backendRefs) continue;
        assert.deepEqual([...new Set(rule.backendRefs.map((b) => b.name))], publicEntries, id(r));
        // Every request to the entry passes the per-client-IP limits, which match the gateway service's own.
        const limits = (rule.filters ?? []).map((f) => byKind(objs, 'Middleware').find((m) => m.object.metadata.name === f.extensionRef?.name)?.object.spec);
        assert.deepEqual(
          limits.find((l) => l?.rateLimit)?.rateLimit,
          { average: declared('RATE_LIMIT_PER_IP'), period: `${declared('RATE_LIMIT_WINDOW_SECONDS')}s`, burst: declared('RATE_LIMIT_PER_IP') },
          `${id(r)}: the edge's rate limit per client IP is the gateway's`,
        );
        assert.ok(
          limits.some((l) => l?.inFlightReq?.amount > 0),
          `${id(r)}: a limit of requests in flight per client IP`,
        );
      }
    }
    for (const svc of byKind(objs, 'Service')) assert.ok([undefined, 'ClusterIP'].includes(svc.object.spec.type), `${id(svc)}: ClusterIP only`);
  }
});

test('client IPs reach the gateway: the edge keeps the source address, trusts no forwarded headers from clients, and the gateway trusts the one hop the edge adds', () => {
  const edge = clusterAddons.find((a) => a.name === edgeProxy.release)!;
  for (const env of environments) {
    const values = edge.values(env) as {
      service: { spec: { externalTrafficPolicy: string } };
      ports: Record<string, { forwardedHeaders: { trustedIPs: string[]; insecure: boolean }; proxyProtocol?: unknown }>;
    };
    assert.equal(values.service.spec.externalTrafficPolicy, 'Local', `${env.name}: the load balancer must not replace the client address with a node's`);
    for (const entryPoint of Object.values(edgeProxy.entryPoints)) {
      assert.deepEqual(values.ports[entryPoint.name]?.forwardedHeaders, { trustedIPs: [], insecure: false }, `${env.name}: ${entryPoint.name}`);
      assert.equal(values.ports[entryPoint.name]?.proxyProtocol, undefined);
    }
  }
  const hops = allServices.find((s) => s.publicEntry)!.env.find((e) => e.name === 'TRUST_PROXY_HOPS');
  assert.equal(hops?.default, '1', 'the gateway takes the client from the one X-Forwarded-For entry the edge proxy writes');
});

test('Valkey: pinned chart and image; its NetworkPolicy admits only the services that declare Redis', () => {
  const valkey = clusterAddons.find((a) => a.name === dataStores.valkey.release)!;
  assert.match(valkey.version, /^\d+\.\d+\.\d+$/);
  for (const env of environments) {
    const image = valkey.values(env)['image'] as { tag: string };
    assert.match(image.tag, /^\d+\.\d+\.\d+$/, 'image tag pinned');
  }
  const clients = allServices.filter((s) => s.dependencies.redis).map((s) => s.name);
  assert.deepEqual(clients, ['waiting-room', 'gateway']);
  for (const env of envNames) {
    const np = byKind(inEnv(env), 'NetworkPolicy').find((p) => p.object.metadata.name === dataStores.valkey.release);
    assert.ok(np, `${env}: Valkey NetworkPolicy`);
    assert.deepEqual(np.object.spec.podSelector.matchLabels, dataStores.valkey.podLabels);
    assert.deepEqual([...np.object.spec.policyTypes].sort(), ['Egress', 'Ingress']);
    const from = np.object.spec.ingress.flatMap((r: { from: { podSelector: { matchLabels: Record<string, string> } }[] }) =>
      r.from.map((peer) => peer.podSelector.matchLabels['app.kubernetes.io/name']),
    );
    assert.deepEqual(from, clients);
    for (const rule of np.object.spec.ingress) assert.deepEqual(rule.ports, [{ port: dataStores.valkey.port, protocol: 'TCP' }]);
  }
});

describe('workloads', () => {
  for (const { m, pod } of podTemplates(all)) {
    test(`${id(m)}: probes, resources, pinned image, no privilege`, () => {
      const spec = pod.spec;
      assert.equal(spec.hostNetwork ?? false, false);
      assert.equal(spec.hostPID ?? false, false);
      assert.equal(spec.hostIPC ?? false, false);
      assert.equal(spec.automountServiceAccountToken, false);
      assert.equal(spec.securityContext?.runAsNonRoot, true);
      assert.ok(Number.isInteger(spec.securityContext?.runAsUser) && spec.securityContext.runAsUser > 0, 'numeric non-root uid');
      for (const c of spec.containers) {
        for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) assert.ok(c[p], `${c.name}: ${p} missing`);
        for (const r of ['requests', 'limits']) for (const q of ['cpu', 'memory']) assert.ok(c.resources?.[r]?.[q], `${c.name}: resources.${r}.${q} missing`);
        assert.match(c.image, /^[^:@]+(:[^:@]+|@sha256:[0-9a-f]{64})$/, `${c.name}: image must carry a tag or digest`);
        assert.doesNotMatch(c.image, /:latest$/, `${c.name}: :latest`);
        const sc = c.securityContext ?? {};
        assert.equal(sc.privileged, false);
        assert.equal(sc.allowPrivilegeEscalation, false);
        assert.equal(sc.readOnlyRootFilesystem, true);
        assert.deepEqual(sc.capabilities?.drop, ['ALL']);
        assert.ok(!sc.capabilities?.add?.length, 'no added capabilities');
      }
    });
  }
});

test('nothing anywhere references :latest, and Helm charts are pinned', () => {
  for (const m of all) assert.doesNotMatch(JSON.stringify(m.object), /:latest"/, id(m));
  for (const a of clusterAddons) assert.match(a.version, /^v?\d+\.\d+\.\d+$/, `${a.name} chart version must be exact`);
});

for (const env of envNames) {
  describe(`cross-references in dist/${env}`, () => {
    const ms = inEnv(env);
    const pods = podTemplates(ms);

    test('every HPA targets an existing Deployment that has a PodDisruptionBudget', () => {
      const hpas = byKind(ms, 'HorizontalPodAutoscaler');
      assert.ok(hpas.length >= allServices.length);
      for (const h of hpas) {
        const ref = h.object.spec.scaleTargetRef;
        const target = ms.find((m) => m.object.kind === ref.kind && m.object.metadata.name === ref.name && ns(m.object) === ns(h.object));
        assert.ok(target, `${id(h)} targets missing ${ref.kind}/${ref.name}`);
        const podLabels = target.object.spec.template.metadata.labels;
        const pdb = byKind(ms, 'PodDisruptionBudget').find((p) => ns(p.object) === ns(h.object) && matches(p.object.spec.selector.matchLabels, podLabels));
        assert.ok(pdb, `${id(h)}: no PodDisruptionBudget covers ${ref.name}'s pods`);
        assert.equal(target.object.spec.replicas, undefined, `${ref.name}: replicas must be left to the HPA`);
      }
    });

    test('every Service selects pods that exist, on a port they expose', () => {
      for (const s of byKind(ms, 'Service')) {
        const owners = pods.filter(({ m, pod }) => ns(m.object) === ns(s.object) && matches(s.object.spec.selector, pod.metadata.labels));
        assert.ok(owners.length > 0, `${id(s)} selects no pods`);
        for (const port of s.object.spec.ports) {
          const exposed = owners.flatMap(({ pod }) => pod.spec.containers.flatMap((c: K8sObject) => c.ports ?? []));
          assert.ok(
            exposed.some((p: { containerPort: number; name?: string }) => p.containerPort === port.targetPort || p.name === port.targetPort),
            `${id(s)} port ${port.name} → nothing listens`,
          );
        }
      }
    });

    test('every ServiceMonitor matches a Service port that exists', () => {
      const monitors = byKind(ms, 'ServiceMonitor');
      assert.ok(monitors.length >= allServices.length);
      for (const sm of monitors) {
        const nsList: string[] = sm.object.spec.namespaceSelector?.matchNames ?? [ns(sm.object)];
        const services = byKind(ms, 'Service').filter(
          (s) => nsList.includes(ns(s.object)) && matches(sm.object.spec.selector.matchLabels, s.object.metadata.labels),
        );
        assert.ok(services.length > 0, `${id(sm)} selects no Service`);
        for (const ep of sm.object.spec.endpoints) {
          for (const s of services)
            assert.ok(
              s.object.spec.ports.some((p: { name: string }) => p.name === ep.port),
              `${id(sm)}: Service ${s.object.metadata.name} has no port "${ep.port}"`,
            );
        }
      }
    });

    test('every NetworkPolicy flow matches a declared dependency, and every dependency has its flow', () => {
      for (const service of allServices) {
        const np = byKind(ms, 'NetworkPolicy').find((p) => p.object.metadata.name === service.name);
        assert.ok(np, `no NetworkPolicy for ${service.name}`);
        assert.deepEqual([...np.object.spec.policyTypes].sort(), ['Egress', 'Ingress'], 'default deny both ways');
        const flows = new Set<string>();
        for (const rule of np.object.spec.egress ?? []) {
          const ports = (rule.ports ?? [])
            .map((p: { port: number; protocol: string }) => `${p.protocol}/${p.port}`)
            .sort()
            .join(',');
          for (const peer of rule.to ?? []) {
            if (peer.ipBlock) {
              flows.add(`external ${peer.ipBlock.cidr} ${ports}`);
              continue;
            }
            const labels = peer.podSelector?.matchLabels ?? {};
            const peerNs = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? namespaces.app;
            let flow: string;
            if (peerNs === namespaces.dns && labels['k8s-app'] === 'kube-dns') flow = `dns ${ports}`;
            else if (labels['cnpg.io/cluster'] === dataStores.postgres.cluster) flow = `postgres ${ports}`;
            else if (labels['strimzi.io/cluster'] === dataStores.kafka.cluster) flow = `kafka ${ports}`;
            else if (matches(labels, dataStores.valkey.podLabels)) flow = `valkey ${ports}`;
            else if (labels['app.kubernetes.io/name'] && peerNs === namespaces.app) flow = `service:${labels['app.kubernetes.io/name']} ${ports}`;
            else assert.fail(`${service.name}: egress to unrecognised peer ${JSON.stringify(peer)}`);
            flows.add(flow);
          }
        }
        const expected = new Set([`dns TCP/53,UDP/53`]);
        if (service.dependencies.postgres) expected.add(`postgres TCP/${endpoints.postgresPort}`);
        if (service.dependencies.kafka) expected.add(`kafka TCP/${dataStores.kafka.listener.port}`);
        if (service.dependencies.redis) expected.add(`valkey TCP/${dataStores.valkey.port}`);
        for (const dep of service.dependencies.services) expected.add(`service:${dep} TCP/${allServices.find((s) => s.name === dep)!.port}`);
        // A server outside the cluster: any address, its declared port only.
        for (const server of service.dependencies.external ?? []) expected.add(`external 0.0.0.0/0 TCP/${server.port}`);
        assert.deepEqual([...flows].sort(), [...expected].sort(), `${service.name}: egress flows ≠ declared dependencies`);
        // Ingress: only Prometheus and declared callers, on the service port; the edge proxy only to the public entry.
        for (const rule of np.object.spec.ingress ?? []) {
          assert.deepEqual(rule.ports, [{ port: service.port, protocol: 'TCP' }]);
          for (const peer of rule.from) {
            const name = peer.podSelector?.matchLabels?.['app.kubernetes.io/name'];
            const peerNs = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
            const ok =
              (peerNs === namespaces.edge && matches(peer.podSelector?.matchLabels ?? {}, addonPods.edgeProxy.podLabels) && service.publicEntry === true) ||
              (peerNs === namespaces.monitoring && name === 'prometheus') ||
              // Load tests' k6 runners come in as buyers do: through the public entry, where the environment runs load tests.
              (peerNs === namespaces.loadTesting && matches(peer.podSelector?.matchLabels ?? {}, k6RunnerPodLabels) && service.publicEntry === true) ||
              (peerNs === undefined && allServices.some((s) => s.name === name && s.dependencies.services.includes(service.name)));
            assert.ok(ok, `${service.name}: ingress from undeclared peer ${JSON.stringify(peer)}`);
          }
        }
      }
    });

    test('every ConfigMap and Secret reference resolves (Secrets made outside git are listed)', () => {
      const listed = externalSecrets(allServices);
      const configMaps = byKind(ms, 'ConfigMap');
      const secretKeys = (namespace: string, name: string): readonly string[] | undefined => {
        const rendered = byKind(ms, 'Secret').find((s) => ns(s.object) === namespace && s.object.metadata.name === name);
        if (rendered) return Object.keys({ ...rendered.object.data, ...rendered.object.stringData });
        return listed.find((e) => e.namespace === namespace && e.name === name)?.keys;
      };
      for (const { m, pod } of pods) {
        const where = ns(m.object);
        for (const c of pod.spec.containers) {
          for (const e of c.env ?? []) {
            const cm = e.valueFrom?.configMapKeyRef;
            if (cm) {
              const found = configMaps.find((x) => ns(x.object) === where && x.object.metadata.name === cm.name);
              assert.ok(found && cm.key in found.object.data, `${id(m)} ${e.name}: ConfigMap ${cm.name}/${cm.key} missing`);
            }
            const sk = e.valueFrom?.secretKeyRef;
            if (sk)
              assert.ok(
                secretKeys(where, sk.name)?.includes(sk.key),
                `${id(m)} ${e.name}: Secret ${sk.name}/${sk.key} neither rendered nor listed in charts/external-secrets.ts`,
              );
          }
          for (const ef of c.envFrom ?? []) {
            if (ef.configMapRef)
              assert.ok(
                configMaps.some((x) => x.object.metadata.name === ef.configMapRef.name),
                `${id(m)}: envFrom ConfigMap ${ef.configMapRef.name}`,
              );
            if (ef.secretRef) assert.ok(secretKeys(where, ef.secretRef.name), `${id(m)}: envFrom Secret ${ef.secretRef.name}`);
          }
        }
        for (const v of pod.spec.volumes ?? []) {
          if (v.configMap)
            assert.ok(
              configMaps.some((x) => ns(x.object) === where && x.object.metadata.name === v.configMap.name),
              `${id(m)}: volume ConfigMap ${v.configMap.name}`,
            );
          if (v.secret) assert.ok(secretKeys(where, v.secret.secretName), `${id(m)}: volume Secret ${v.secret.secretName}`);
        }
      }
      // CloudNativePG backup credentials.
      for (const c of byKind(ms, 'Cluster')) {
        const s3 = c.object.spec.backup?.barmanObjectStore?.s3Credentials;
        for (const ref of [s3?.accessKeyId, s3?.secretAccessKey].filter(Boolean))
          assert.ok(secretKeys(ns(c.object), ref.name)?.includes(ref.key), `${id(c)}: backup Secret ${ref.name}/${ref.key}`);
      }
      // Ingress TLS secrets are issued by cert-manager through the annotated ClusterIssuer, which must exist.
      const issuers = byKind(ms, 'ClusterIssuer').map((i) => i.object.metadata.name);
      for (const i of byKind(ms, 'Ingress')) {
        const issuer = i.object.metadata.annotations?.['cert-manager.io/cluster-issuer'];
        assert.ok(issuer && issuers.includes(issuer), `${id(i)}: TLS secret has no issuer that exists (${issuer})`);
      }
      // Listed secrets that an operator creates need the object that makes the operator create them.
      for (const e of listed) {
        if (e.createdBy === 'cloudnative-pg')
          assert.ok(
            byKind(ms, 'Cluster').some((c) => `${c.object.metadata.name}-app` === e.name),
            `${e.name}: no CNPG Cluster creates it`,
          );
        if (e.createdBy === 'strimzi')
          assert.ok(
            byKind(ms, 'KafkaUser').some((u) => u.object.metadata.name === e.name),
            `${e.name}: no KafkaUser creates it`,
          );
      }
    });

    test('Argo CD: every chart file has one Application, waves in order, automated prune/selfHeal with retries', () => {
      const apps = byKind(ms, 'Application');
      const wave = (a: Manifest) => Number(a.object.metadata.annotations?.['argocd.argoproj.io/sync-wave']);
      for (const a of apps) {
        const sp = a.object.spec.syncPolicy;
        assert.deepEqual(sp.automated, { prune: true, selfHeal: true }, id(a));
        assert.ok(sp.retry?.limit > 0, `${id(a)}: retries`);
        assert.ok(Number.isInteger(wave(a)), `${id(a)}: sync wave`);
      }
      const files = listFiles(join(repoRoot, 'dist', env)).filter((f) => f !== 'argocd-apps.k8s.yaml');
      const forFile = (f: string) => apps.filter((a) => a.object.spec.source?.path === `dist/${env}` && a.object.spec.source?.directory?.include === f);
      for (const f of files) assert.equal(forFile(f).length, 1, `dist/${env}/${f} must be synced by exactly one Application`);
      const waveOf = (f: string) => wave(forFile(`${f}.k8s.yaml`)[0]!);
      for (const h of apps.filter((a) => a.object.spec.source?.chart && a.object.metadata.name !== dataStores.valkey.release))
        assert.equal(wave(h), waves.operators, `${id(h)}: operators first`);
      // Valkey is a data store from a Helm chart: with the other data stores, before the services.
      const valkey = apps.find((a) => a.object.metadata.name === dataStores.valkey.release)!;
      assert.equal(wave(valkey), waves.dataStores);
      assert.match(valkey.object.spec.source.targetRevision, /^\d+\.\d+\.\d+$/, 'Valkey chart pinned');
      assert.ok(waveOf('namespaces') < waves.operators);
      for (const data of ['postgres', 'kafka']) assert.ok(waves.operators < waveOf(data), `${data} after operators`);
      for (const s of allServices)
        assert.ok(waveOf('kafka') < waveOf(s.name) && waveOf(s.name) < waveOf('observability'), `${s.name} between data stores and dashboards`);
      // The root app (argocd/<env>) points at the child Applications file.
      const root = all.filter((m) => m.file === `argocd/${env}/bootstrap.k8s.yaml` && m.object.kind === 'Application');
      assert.equal(root.length, 1);
      assert.equal(root[0]!.object.spec.source.path, `dist/${env}`);
      assert.equal(root[0]!.object.spec.source.directory.include, 'argocd-apps.k8s.yaml');
      const project = all.find((m) => m.file === `argocd/${env}/bootstrap.k8s.yaml` && m.object.kind === 'AppProject')!;
      for (const a of [...apps, ...root]) {
        assert.equal(a.object.spec.project, project.object.metadata.name);
        assert.ok(project.object.spec.sourceRepos.includes(a.object.spec.source.repoURL), `${id(a)}: repo not allowed by the AppProject`);
        assert.ok(
          project.object.spec.destinations.some((d: { namespace: string }) => d.namespace === a.object.spec.destination.namespace),
          `${id(a)}: destination not allowed`,
        );
      }
    });
  });
}

for (const env of envNames) {
  describe(`what a real cluster needs, dist/${env}`, () => {
    const ms = inEnv(env);
    const policies = byKind(ms, 'NetworkPolicy');

    test('every namespace the platform owns has a default deny of incoming traffic', () => {
      assert.ok(ownedNamespaces.includes(namespaces.app));
      for (const namespace of ownedNamespaces) {
        const deny = policies.filter(
          (p) =>
            ns(p.object) === namespace &&
            Object.keys(p.object.spec.podSelector ?? {}).length === 0 &&
            p.object.spec.policyTypes?.includes('Ingress') &&
            !(p.object.spec.ingress ?? []).length,
        );
        assert.equal(deny.length, 1, `${namespace}: one NetworkPolicy selecting every pod and admitting nothing`);
      }
    });

    test('PostgreSQL accepts only the services that declare it, its own instances, the operator and Prometheus', () => {
      const [cluster] = byKind(ms, 'Cluster');
      assert.ok(cluster);
      const instanceLabels = { 'cnpg.io/cluster': cluster.object.metadata.name };
      const guards = policies.filter((p) => JSON.stringify(p.object.spec.podSelector.matchLabels) === JSON.stringify(instanceLabels));
      assert.equal(guards.length, 1, 'one policy for the instances');
      const peers = guards[0]!.object.spec.ingress.map(
        (r: { from: { podSelector: { matchLabels: Record<string, string> }; namespaceSelector?: unknown }[] }) => r.from[0]!,
      );
      const clients = allServices.filter((x) => x.dependencies.postgres).map((x) => selectorLabels(x.name));
      const fromPods = peers
        .filter((p: { namespaceSelector?: unknown }) => !p.namespaceSelector)
        .map((p: { podSelector: { matchLabels: unknown } }) => p.podSelector.matchLabels);
      assert.deepEqual(fromPods, [...clients, instanceLabels], 'in the namespace: the declared clients and the instances only');
      const fromOutside = peers
        .filter((p: { namespaceSelector?: unknown }) => p.namespaceSelector)
        .map((p: { namespaceSelector: { matchLabels: Record<string, string> } }) => p.namespaceSelector.matchLabels['kubernetes.io/metadata.name']);
      assert.deepEqual(fromOutside, [namespaces.cnpg, namespaces.monitoring]);
      assert.equal(byKind(ms, 'Pooler').length, 0, 'no Pooler: services connect to the primary (max_connections sized for their pools)');
    });

    test('the Kafka listener admits only the pods of the services that have a KafkaUser', () => {
      const [kafka] = byKind(ms, 'Kafka');
      const listener = kafka!.object.spec.kafka.listeners.find((l: { name: string }) => l.name === dataStores.kafka.listener.name);
      assert.equal(listener.authentication.type, 'scram-sha-512');
      const users = byKind(ms, 'KafkaUser').map((u) => u.object.metadata.name);
      assert.deepEqual(
        users,
        kafkaUsers(allServices).map((x) => x.name),
      );
      assert.deepEqual(
        listener.networkPolicyPeers.map((p: { podSelector: { matchLabels: Record<string, string> } }) => p.podSelector.matchLabels),
        users.map((u) => selectorLabels(u)),
      );
    });

    test('pods schedule on clusters without zone labels (kind, minikube, bare metal): zone spreading is best effort', () => {
      for (const { m, pod } of podTemplates(ms)) {
        for (const c of pod.spec.topologySpreadConstraints ?? []) {
          if (c.topologyKey === 'topology.kubernetes.io/zone')
            assert.equal(c.whenUnsatisfiable, 'ScheduleAnyway', `${id(m)}: zone spread must not keep pods Pending`);
        }
      }
    });

    test('no PodDisruptionBudget blocks a node drain: each leaves one pod evictable at the minimum replica count', () => {
      for (const pdb of byKind(ms, 'PodDisruptionBudget')) {
        const target = podTemplates(ms).find(({ pod }) => matches(pdb.object.spec.selector.matchLabels, pod.metadata.labels));
        assert.ok(target, `${id(pdb)} covers no pods`);
        const hpa = byKind(ms, 'HorizontalPodAutoscaler').find((h) => h.object.spec.scaleTargetRef.name === target.m.object.metadata.name);
        const minReplicas = hpa?.object.spec.minReplicas ?? target.m.object.spec.replicas ?? 1;
        const { minAvailable, maxUnavailable } = pdb.object.spec;
        if (minAvailable !== undefined)
          assert.ok(Number(minAvailable) < minReplicas, `${id(pdb)}: minAvailable ${minAvailable} with ${minReplicas} replica(s)`);
        else assert.ok(Number(maxUnavailable) >= 1, `${id(pdb)}: maxUnavailable ${maxUnavailable}`);
      }
      for (const c of byKind(ms, 'Cluster')) {
        assert.equal(c.object.spec.enablePDB, c.object.spec.instances > 1, `${id(c)}: CNPG's PDB on ${c.object.spec.instances} instance(s)`);
      }
      const env_ = environments.find((e) => e.name === env)!;
      const edge = clusterAddons.find((a) => a.name === edgeProxy.release)!.values(env_) as {
        deployment: { replicas: number };
        podDisruptionBudget: { enabled: boolean };
      };
      assert.equal(edge.podDisruptionBudget.enabled, edge.deployment.replicas > 1, 'edge proxy PDB only with replicas');
    });

    test('the data is never pruned nor deleted with its Application', () => {
      for (const m of ms.filter((x) => ['Namespace', 'Cluster', 'Kafka', 'KafkaNodePool'].includes(x.object.kind))) {
        assert.equal(m.object.metadata.annotations?.['argocd.argoproj.io/sync-options'], 'Prune=false,Delete=false', id(m));
      }
      assert.ok(ms.some((m) => m.object.kind === 'KafkaNodePool') && ms.some((m) => m.object.kind === 'Namespace'));
    });

    test("images by digest (the platform's own once their version is released)", (t) => {
      const images = [
        ...podTemplates(ms).flatMap(({ m, pod }) => pod.spec.containers.map((c: { image: string }) => ({ where: id(m), image: c.image }))),
        ...byKind(ms, 'Cluster').map((c) => ({ where: id(c), image: c.object.spec.imageName as string })),
      ];
      const own = (image: string) => image.startsWith(`${release.registry}/`);
      for (const i of images.filter((x) => !own(x.image))) assert.match(i.image, /@sha256:[0-9a-f]{64}$/, `${i.where}: ${i.image}`);
      const released = releasedImages();
      if (released.version !== release.version) {
        t.skip(`${release.version} is not released yet (charts/images.json): run \`npm run release -- <version>\` to build the images and pin them by digest`);
        return;
      }
      for (const i of images.filter((x) => own(x.image))) assert.match(i.image, /@sha256:[0-9a-f]{64}$/, `${i.where}: ${i.image} (run npm run release)`);
    });
  });
}

test('kube-linter (when installed)', (t) => {
  const kubeLinter = findKubeLinter();
  if (!kubeLinter) {
    t.skip('kube-linter is not installed (not on PATH); the TypeScript policy checks above stand in for it');
    return;
  }
  const files = envNames.flatMap((env) =>
    listFiles(join(repoRoot, 'dist', env))
      .filter((f) => f !== 'argocd-apps.k8s.yaml')
      .map((f) => join('dist', env, f)),
  );
  try {
    execFileSync(kubeLinter, ['lint', '--fail-on-invalid-resource', ...files], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stdout?: Buffer; stderr?: Buffer };
    assert.fail(`kube-linter found problems:\n${e.stdout?.toString()}${e.stderr?.toString()}`);
  }
});

test('load tests: the dev TestRuns split the load across runner pods, use a pinned k6 image and the synced script; production runs none', () => {
  const spike = renderTestRun('dev', 'spike', allServices, '00000000-0000-4000-8000-000000000001');
  assert.equal(spike.kind, 'TestRun');
  assert.equal(spike.metadata.namespace, namespaces.loadTesting);
  assert.ok(spike.spec.parallelism > 1, 'the spike comes from several pods');
  assert.match(spike.spec.runner.image, /^grafana\/k6:\d+\.\d+\.\d+$/);
  const env = Object.fromEntries(spike.spec.runner.env.map((e) => [e.name, e.value]));
  assert.equal(env.EVENT_ID, '00000000-0000-4000-8000-000000000001');
  assert.equal(env.SCENARIO, 'spike');
  assert.match(env.BOOKING_URL!, /^http:\/\/gateway\.ticketing\.svc:\d+\/api\/booking$/);
  const script = byKind(inEnv('dev'), 'ConfigMap').find((c) => c.object.metadata.name === spike.spec.script.configMap.name);
  const files = script?.object.data as Record<string, string>;
  assert.ok(files[spike.spec.script.configMap.file]?.includes("from './scenarios.ts'"), 'the synced ConfigMap holds the k6 script');
  assert.ok(files['scenarios.ts']?.includes("case 'spike'"), 'and the scenarios module it imports, with the spike scenario');
  // Every relative import of every shipped file is shipped too (k6 resolves them in the mounted directory).
  for (const [file, text] of Object.entries(files)) {
    for (const [, imported] of text.matchAll(/\sfrom\s+'\.\/([^']+)'/g))
      assert.ok(files[imported!] !== undefined, `${file} imports ./${imported}, which is not in the ConfigMap`);
  }
  assert.deepEqual(Object.keys(k6ScriptFiles()), ['onsale.ts', 'scenarios.ts']);
  assert.throws(() => renderTestRun('prod', 'spike', allServices, 'x'), /runs no load tests/);
  assert.ok(clusterAddons.some((a) => a.chart === 'k6-operator' && /^\d+\.\d+\.\d+$/.test(a.version)));
});
