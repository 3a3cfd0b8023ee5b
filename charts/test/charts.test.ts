/** Unit tests of the constructs: the important fields, asserted against the declarations. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Testing } from 'cdk8s';
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import { allServices } from '../../services/services.js';
import { KafkaChart } from '../apps/kafka.js';
import { PostgresChart } from '../apps/postgres.js';
import { ServiceChart } from '../apps/service.js';
import { environment, environments } from '../environments.js';
import { serviceSecretName } from '../lib/platform-service/config.js';
import { RUN_AS_USER } from '../lib/platform-service/workload.js';
import { release } from '../release.js';
import { endpoints } from '../settings.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

function renderService(d: ServiceDeclaration, envName: string, services: readonly ServiceDeclaration[] = allServices): Obj[] {
  const app = Testing.app();
  const chart = new ServiceChart(app, d.name, { declaration: d, allServices: services, environment: environment(envName) });
  return Testing.synth(chart) as Obj[];
}
const one = (objs: Obj[], kind: string) => {
  const found = objs.filter((o) => o.kind === kind);
  assert.equal(found.length, 1, `expected one ${kind}`);
  return found[0]!;
};

for (const d of allServices) {
  describe(`service ${d.name}`, () => {
    for (const env of environments) {
      test(`${env.name}: Deployment follows the declaration`, () => {
        const objs = renderService(d, env.name);
        const dep = one(objs, 'Deployment');
        const pod = dep.spec.template.spec;
        const c = pod.containers[0];
        assert.equal(c.image, `${release.registry}/${d.name}:${release.version}`);
        assert.deepEqual(c.ports, [{ containerPort: d.port, name: 'http', protocol: 'TCP' }]);
        assert.equal(c.livenessProbe.httpGet.path, d.health.liveness);
        assert.equal(c.readinessProbe.httpGet.path, d.health.readiness);
        assert.equal(c.startupProbe.httpGet.path, d.health.liveness);
        for (const p of [c.livenessProbe, c.readinessProbe, c.startupProbe]) assert.equal(p.httpGet.port, d.port);
        assert.equal(pod.terminationGracePeriodSeconds, d.shutdownGraceSeconds);
        assert.deepEqual(dep.spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 });
        assert.deepEqual(pod.topologySpreadConstraints.map((t: Obj) => t.topologyKey), ['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
        // Security context.
        assert.equal(pod.securityContext.runAsNonRoot, true);
        assert.equal(pod.securityContext.runAsUser, RUN_AS_USER);
        assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
        assert.equal(c.securityContext.readOnlyRootFilesystem, true);
        assert.equal(c.securityContext.allowPrivilegeEscalation, false);
        assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
        assert.deepEqual(c.volumeMounts, [{ mountPath: '/tmp', name: 'tmp' }]);
        assert.ok(pod.volumes.find((v: Obj) => v.name === 'tmp').emptyDir);
        assert.equal(pod.automountServiceAccountToken, false);
        assert.equal(one(objs, 'ServiceAccount').automountServiceAccountToken, false);
        // Resources: prod as declared, dev derived from them.
        const r = env.resources(d.resources);
        assert.deepEqual(c.resources, { requests: r.requests, limits: r.limits });
        if (env.name === 'prod') assert.deepEqual(c.resources, { requests: d.resources.requests, limits: d.resources.limits });
      });

      test(`${env.name}: settings come from the ConfigMap or Secret refs, never secret values`, () => {
        const objs = renderService(d, env.name);
        const cm = one(objs, 'ConfigMap');
        const env_ = one(objs, 'Deployment').spec.template.spec.containers[0].env as Obj[];
        const expected = d.env.filter((e) => !e.localOnly);
        assert.deepEqual(env_.map((e) => e.name).sort(), expected.map((e) => e.name).sort());
        for (const setting of expected) {
          const e = env_.find((x) => x.name === setting.name)!;
          if (setting.from === 'postgres-uri') {
            assert.deepEqual(e.valueFrom.secretKeyRef, { name: endpoints.postgresAppSecret, key: 'uri', optional: false });
          } else if (setting.from === 'kafka-password') {
            // The Secret Strimzi's User Operator writes for the service's KafkaUser.
            assert.deepEqual(e.valueFrom.secretKeyRef, { name: d.name, key: 'password', optional: false });
          } else if (setting.secret) {
            assert.deepEqual(e.valueFrom.secretKeyRef, { name: serviceSecretName(d.name), key: setting.name, optional: false });
          } else {
            assert.equal(e.valueFrom.configMapKeyRef.name, cm.metadata.name);
            const value = setting.from === 'kafka-bootstrap' ? endpoints.kafkaBootstrap : setting.from === 'kafka-username' ? d.name : setting.default;
            assert.equal(cm.data[setting.name], value, setting.name);
          }
          if (setting.secret) assert.ok(!(setting.name in cm.data), `${setting.name} must not be in the ConfigMap`);
        }
        assert.equal(objs.filter((o) => o.kind === 'Secret').length, 0, 'no Secret objects (values) rendered');
      });

      test(`${env.name}: HPA range, metrics and behaviour; PDB; Service; ServiceMonitor`, () => {
        const objs = renderService(d, env.name);
        const hpa = one(objs, 'HorizontalPodAutoscaler');
        const range = env.scaling(d.scaling);
        assert.equal(hpa.spec.minReplicas, range.min);
        assert.equal(hpa.spec.maxReplicas, range.max);
        if (env.name === 'prod') assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [d.scaling.minReplicas, d.scaling.maxReplicas]);
        else assert.ok(range.max <= d.scaling.maxReplicas && range.min <= d.scaling.minReplicas);
        assert.equal(hpa.spec.metrics[0].resource.target.averageUtilization, d.scaling.targetCpuUtilizationPercent);
        const rps = hpa.spec.metrics.find((m: Obj) => m.type === 'Pods');
        if (d.scaling.targetRequestsPerSecondPerPod === undefined) assert.equal(rps, undefined);
        else {
          assert.equal(rps.pods.metric.name, 'http_requests_per_second');
          assert.equal(rps.pods.target.averageValue, d.scaling.targetRequestsPerSecondPerPod);
        }
        assert.equal(hpa.spec.behavior.scaleUp.stabilizationWindowSeconds, 0);
        assert.equal(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds, 300);
        assert.equal(one(objs, 'PodDisruptionBudget').spec.maxUnavailable, 1);
        assert.deepEqual(one(objs, 'Service').spec.ports, [{ name: 'http', port: d.port, targetPort: d.port, protocol: 'TCP' }]);
        const sm = one(objs, 'ServiceMonitor');
        assert.deepEqual(sm.spec.endpoints.map((e: Obj) => [e.port, e.path]), [['http', d.metricsPath]]);
        const ing = one(objs, 'Ingress');
        assert.equal(ing.spec.rules[0].host, `${d.name}.${env.domain}`);
        assert.equal(ing.metadata.annotations['cert-manager.io/cluster-issuer'], env.clusterIssuer.name);
        assert.equal(ing.metadata.annotations['nginx.ingress.kubernetes.io/limit-rps'], String(env.rateLimit.requestsPerSecond));
      });
    }
  });
}

describe('a declaration with a service dependency and a local-only setting', () => {
  const base = allServices[0]!;
  const caller: ServiceDeclaration = {
    ...base,
    name: 'caller',
    port: 9000,
    env: [
      ...base.env,
      { name: 'TARGET_URL', description: 'x', kind: 'url', from: 'service-url', service: base.name },
      { name: 'DEV_ONLY', description: 'x', kind: 'string', default: 'x', localOnly: true },
    ],
    dependencies: { postgres: false, services: [base.name] },
  };
  const services = [base, caller];

  test('service-url resolves to the target Service; localOnly is left out', () => {
    const objs = renderService(caller, 'prod', services);
    const cm = one(objs, 'ConfigMap');
    assert.equal(cm.data.TARGET_URL, `http://${base.name}.ticketing.svc.cluster.local:${base.port}`);
    assert.ok(!('DEV_ONLY' in cm.data));
  });

  test('NetworkPolicy: caller may reach the target (egress), target admits the caller (ingress), no postgres', () => {
    const callerNp = one(renderService(caller, 'prod', services), 'NetworkPolicy');
    const targets = callerNp.spec.egress.map((r: Obj) => [r.to[0].podSelector.matchLabels['app.kubernetes.io/name'] ?? r.to[0].podSelector.matchLabels['k8s-app'] ?? Object.keys(r.to[0].podSelector.matchLabels)[0], r.ports[0].port]);
    assert.deepEqual(targets, [['kube-dns', 53], [base.name, base.port]]);
    const targetNp = one(renderService(base, 'prod', services), 'NetworkPolicy');
    assert.ok(targetNp.spec.ingress.some((r: Obj) => r.from[0].podSelector?.matchLabels['app.kubernetes.io/name'] === 'caller'));
  });

  test('a setting with neither default, from nor secret fails the synth', () => {
    const broken: ServiceDeclaration = { ...base, env: [{ name: 'NO_VALUE', description: 'x', kind: 'string' }] };
    assert.throws(() => renderService(broken, 'prod', [broken]), /NO_VALUE has no default/);
  });
});

describe('data stores', () => {
  test('Kafka: a topic per declared topic, KafkaUser ACLs from produces/consumes, KRaft node pools', () => {
    for (const env of environments) {
      const app = Testing.app();
      const objs = Testing.synth(new KafkaChart(app, 'kafka', { environment: env, allServices })) as Obj[];
      const topics = objs.filter((o) => o.kind === 'KafkaTopic');
      const declared = new Set(allServices.flatMap((s) => [...(s.dependencies.kafka?.produces ?? []), ...(s.dependencies.kafka?.consumes ?? [])]));
      for (const t of [...declared, 'ticket-bookings']) {
        const topic = topics.find((x) => x.spec.topicName === t);
        assert.ok(topic, `topic ${t}`);
        assert.ok(topic.spec.partitions > 0);
        assert.equal(topic.spec.replicas, env.kafka.topicReplicas);
        assert.ok(Number(topic.spec.config['retention.ms']) > 0);
      }
      for (const s of allServices) {
        const user = objs.find((o) => o.kind === 'KafkaUser' && o.metadata.name === s.name);
        if (!s.dependencies.kafka) {
          assert.equal(user, undefined);
          continue;
        }
        assert.ok(user, `KafkaUser ${s.name}`);
        assert.equal(user.spec.authentication.type, 'scram-sha-512');
        for (const t of s.dependencies.kafka.produces) assert.ok(user.spec.authorization.acls.some((a: Obj) => a.resource.name === t && a.operations.includes('Write')), `${s.name} writes ${t}`);
        for (const t of s.dependencies.kafka.consumes) assert.ok(user.spec.authorization.acls.some((a: Obj) => a.resource.name === t && a.operations.includes('Read')), `${s.name} reads ${t}`);
        const granted = user.spec.authorization.acls.filter((a: Obj) => a.resource.type === 'topic').map((a: Obj) => a.resource.name);
        for (const t of granted) assert.ok([...s.dependencies.kafka.produces, ...s.dependencies.kafka.consumes].includes(t), `${s.name}: ACL on undeclared topic ${t}`);
      }
      const pools = objs.filter((o) => o.kind === 'KafkaNodePool');
      assert.equal(pools.reduce((n, p) => n + (p.spec.roles.includes('broker') ? p.spec.replicas : 0), 0), env.kafka.brokers);
      assert.ok(pools.some((p) => p.spec.roles.includes('controller')), 'KRaft controllers');
    }
  });

  test('PostgreSQL: instances, synchronous replication in prod, backups, pooler', () => {
    for (const env of environments) {
      const app = Testing.app();
      const objs = Testing.synth(new PostgresChart(app, 'postgres', { environment: env })) as Obj[];
      const cluster = one(objs, 'Cluster');
      assert.equal(cluster.spec.instances, env.postgres.instances);
      assert.equal(cluster.spec.postgresql.synchronous?.number, env.postgres.synchronousStandbys);
      assert.equal(cluster.spec.storage.size, env.postgres.storageSize);
      assert.equal(cluster.spec.backup.barmanObjectStore.destinationPath, env.postgres.backup.destinationPath);
      assert.equal(one(objs, 'ScheduledBackup').spec.cluster.name, cluster.metadata.name);
      assert.equal(one(objs, 'Pooler').spec.cluster.name, cluster.metadata.name);
    }
    assert.equal(environment('prod').postgres.synchronousStandbys, 1);
  });
});
