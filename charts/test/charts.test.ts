/**
 * Unit tests of the constructs. Rendering logic (settings, per-environment
 * sizes, network flows) is checked on small made-up declarations against
 * fixed expected values; the real services are checked for the properties
 * every service must have.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Testing } from 'cdk8s';
import { createConsumerMetrics, createMetrics } from '@ticketing/platform/metrics';
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import { allServices } from '../../services/services.js';
import { clusterAddons } from '../addons.js';
import { KafkaChart } from '../apps/kafka.js';
import { deadLetterTopic } from '../lib/kafka-acls.js';
import { PostgresChart } from '../apps/postgres.js';
import { ServiceChart } from '../apps/service.js';
import { environment, environments } from '../environments.js';
import { imageFor, release } from '../release.js';
import { consumerLagMetric } from '../settings.js';

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
const container = (objs: Obj[]) => one(objs, 'Deployment').spec.template.spec.containers[0] as Obj;

/** A made-up service, so the expectations below do not move when a real declaration changes. */
function declaration(name: string, port: number, overrides: Partial<ServiceDeclaration> = {}): ServiceDeclaration {
  return {
    name,
    description: `${name} (test)`,
    port,
    health: { liveness: '/live', readiness: '/ready' },
    metricsPath: '/metrics',
    openApiPath: '/openapi.json',
    entry: `services/${name}/src/main.ts`,
    env: [],
    dependencies: { postgres: false, services: [] },
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    scaling: { minReplicas: 3, maxReplicas: 10, targetCpuUtilizationPercent: 70, targetRequestsPerSecondPerPod: 100 },
    shutdownGraceSeconds: 25,
    ...overrides,
  };
}

describe('what differs per environment', () => {
  const rateLimitEnv = [
    { name: 'RATE_LIMIT_WINDOW_SECONDS', description: 'window', kind: 'integer' as const, default: '60' },
    { name: 'RATE_LIMIT_PER_IP', description: 'per IP', kind: 'integer' as const, default: '600' },
  ];
  const d = declaration('sized', 9000, { publicEntry: true, env: rateLimitEnv });
  const expected = {
    dev: {
      resources: { requests: { cpu: '125m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      replicas: [1, 3],
      host: 'sized.dev.tickets.example.com',
      issuer: 'letsencrypt-staging',
      connections: 50,
      edgeProxy: { replicas: 1, pdb: false },
    },
    prod: {
      resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      replicas: [3, 10],
      host: 'sized.tickets.example.com',
      issuer: 'letsencrypt-prod',
      connections: 20,
      edgeProxy: { replicas: 3, pdb: true },
    },
  } as const;

  for (const env of environments) {
    const want = expected[env.name];
    test(`${env.name}: resources, HPA range, public host, certificate issuer and rate limit`, () => {
      const objs = renderService(d, env.name, [d]);
      assert.deepEqual(container(objs).resources, want.resources);
      const hpa = one(objs, 'HorizontalPodAutoscaler');
      assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], want.replicas);
      const gateway = one(objs, 'Gateway');
      assert.deepEqual(
        gateway.spec.listeners.map((l: Obj) => [l.name, l.protocol, l.port, l.hostname]),
        [
          ['http', 'HTTP', 8000, want.host],
          ['https', 'HTTPS', 8443, want.host],
        ],
      );
      assert.equal(gateway.spec.gatewayClassName, 'traefik');
      const certificate = one(objs, 'Certificate');
      assert.deepEqual(certificate.spec.dnsNames, [want.host]);
      assert.equal(certificate.spec.issuerRef.name, want.issuer);
      assert.deepEqual(gateway.spec.listeners[1].tls.certificateRefs, [{ group: '', kind: 'Secret', name: certificate.spec.secretName }]);
      // The gateway's budget (600 per 60 s per IP): the same average rate, the whole window's budget as a burst.
      const middleware = (name: string) => objs.find((o) => o.kind === 'Middleware' && o.metadata.name === name)!.spec;
      assert.deepEqual(middleware('public-rate-limit'), { rateLimit: { average: 600, period: '60s', burst: 600 } });
      assert.deepEqual(middleware('public-in-flight'), { inFlightReq: { amount: want.connections } });
    });

    test(`${env.name}: edge proxy replicas and PodDisruptionBudget`, () => {
      const values = clusterAddons.find((a) => a.name === 'traefik')!.values(env) as Obj;
      assert.equal(values.deployment.replicas, want.edgeProxy.replicas);
      assert.equal(values.podDisruptionBudget.enabled, want.edgeProxy.pdb);
    });
  }

  test('dev never shrinks requests below 10m CPU and 32Mi memory', () => {
    const small = declaration('small', 9000, { resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } } });
    assert.deepEqual(container(renderService(small, 'dev', [small])).resources.requests, { cpu: '10m', memory: '32Mi' });
  });
});

describe('a made-up service with every kind of setting and dependency', () => {
  const target = declaration('target', 9100);
  const caller = declaration('caller', 9000, {
    env: [
      { name: 'PLAIN', description: 'x', kind: 'string', default: 'plain-value' },
      { name: 'DATABASE_URL', description: 'x', kind: 'url', secret: true, from: 'postgres-uri' },
      { name: 'KAFKA_BROKERS', description: 'x', kind: 'list', from: 'kafka-bootstrap' },
      { name: 'KAFKA_USER', description: 'x', kind: 'string', from: 'kafka-username' },
      { name: 'KAFKA_PASSWORD', description: 'x', kind: 'string', secret: true, from: 'kafka-password' },
      { name: 'API_KEY', description: 'x', kind: 'string', secret: true },
      { name: 'TARGET_URL', description: 'x', kind: 'url', from: 'service-url', service: 'target' },
      { name: 'DEV_ONLY', description: 'x', kind: 'string', default: 'x', localOnly: true },
    ],
    dependencies: { postgres: true, kafka: { produces: ['ticket-bookings'], consumes: [] }, redis: true, services: ['target'] },
  });
  const services = [target, caller];

  test('plain settings come from the ConfigMap, credentials from Secret refs, local-only ones not at all', () => {
    const objs = renderService(caller, 'prod', services);
    assert.deepEqual(one(objs, 'ConfigMap').data, {
      PLAIN: 'plain-value',
      KAFKA_BROKERS: 'ticketing-kafka-kafka-bootstrap.ticketing.svc:9092',
      KAFKA_USER: 'caller',
      TARGET_URL: 'http://target.ticketing.svc.cluster.local:9100',
    });
    const fromConfigMap = (key: string) => ({ configMapKeyRef: { name: 'caller-config', key, optional: false } });
    const fromSecret = (name: string, key: string) => ({ secretKeyRef: { name, key, optional: false } });
    const env = Object.fromEntries((container(objs).env as Obj[]).map((e) => [e.name, e.valueFrom]));
    assert.deepEqual(env, {
      PLAIN: fromConfigMap('PLAIN'),
      KAFKA_BROKERS: fromConfigMap('KAFKA_BROKERS'),
      KAFKA_USER: fromConfigMap('KAFKA_USER'),
      TARGET_URL: fromConfigMap('TARGET_URL'),
      DATABASE_URL: fromSecret('ticketing-pg-app', 'uri'),
      // The Secret Strimzi's User Operator writes for the service's KafkaUser.
      KAFKA_PASSWORD: fromSecret('caller', 'password'),
      API_KEY: fromSecret('caller-secrets', 'API_KEY'),
    });
    assert.equal(objs.filter((o) => o.kind === 'Secret').length, 0, 'no Secret objects (values) rendered');
  });

  test('NetworkPolicy: exactly DNS and the declared dependencies out; Prometheus and callers in (not the edge proxy)', () => {
    const egress = one(renderService(caller, 'prod', services), 'NetworkPolicy').spec.egress.map((r: Obj) => [
      r.to[0].podSelector.matchLabels,
      r.ports.map((p: Obj) => `${p.protocol}/${p.port}`),
    ]);
    assert.deepEqual(egress, [
      [{ 'k8s-app': 'kube-dns' }, ['UDP/53', 'TCP/53']],
      [{ 'cnpg.io/cluster': 'ticketing-pg' }, ['TCP/5432']],
      [{ 'strimzi.io/cluster': 'ticketing-kafka', 'strimzi.io/broker-role': 'true' }, ['TCP/9092']],
      [{ 'app.kubernetes.io/name': 'valkey', 'app.kubernetes.io/instance': 'valkey' }, ['TCP/6379']],
      [{ 'app.kubernetes.io/name': 'target', 'app.kubernetes.io/part-of': 'ticketing-platform' }, ['TCP/9100']],
    ]);
    const ingress = one(renderService(target, 'prod', services), 'NetworkPolicy').spec.ingress.map((r: Obj) => [
      r.from[0].podSelector.matchLabels,
      r.ports.map((p: Obj) => `${p.protocol}/${p.port}`),
    ]);
    assert.deepEqual(ingress, [
      [{ 'app.kubernetes.io/name': 'prometheus' }, ['TCP/9100']],
      [{ 'app.kubernetes.io/name': 'caller', 'app.kubernetes.io/part-of': 'ticketing-platform' }, ['TCP/9100']],
    ]);
  });

  test('only the public entry gets a Gateway and routes, and only it admits the edge proxy', () => {
    const entry = declaration('entry', 9200, {
      publicEntry: true,
      dependencies: { postgres: false, services: ['target'] },
      env: [
        { name: 'RATE_LIMIT_WINDOW_SECONDS', description: 'window', kind: 'integer', default: '10' },
        { name: 'RATE_LIMIT_PER_IP', description: 'per IP', kind: 'integer', default: '25' },
      ],
    });
    const withEntry = [target, caller, entry];
    const edgeKinds = ['Gateway', 'HTTPRoute', 'Middleware', 'Certificate'];
    assert.equal(renderService(target, 'prod', withEntry).filter((o) => edgeKinds.includes(o.kind)).length, 0);
    assert.equal(renderService(caller, 'prod', withEntry).filter((o) => edgeKinds.includes(o.kind)).length, 0);
    const objs = renderService(entry, 'prod', withEntry);
    const routes = objs.filter((o) => o.kind === 'HTTPRoute');
    const https = routes.find((r) => r.spec.parentRefs[0].sectionName === 'https')!;
    assert.deepEqual(https.spec.rules[0].backendRefs, [{ group: '', kind: 'Service', name: 'entry', port: 9200 }]);
    // Both limits apply on the route, to every request (Middlewares by extension reference).
    assert.deepEqual(
      https.spec.rules[0].filters.map((f: Obj) => `${f.type} ${f.extensionRef.kind}/${f.extensionRef.name}`),
      ['ExtensionRef Middleware/public-in-flight', 'ExtensionRef Middleware/public-rate-limit'],
    );
    // 25 per 10 s, all 25 at once at most.
    const rateLimit = objs.find((o) => o.kind === 'Middleware' && o.metadata.name === 'public-rate-limit')!;
    assert.deepEqual(rateLimit.spec.rateLimit, { average: 25, period: '10s', burst: 25 });
    // Plain HTTP only redirects (cert-manager adds its own route for the ACME challenge).
    const http = routes.find((r) => r.spec.parentRefs[0].sectionName === 'http')!;
    assert.deepEqual(http.spec.rules[0].filters, [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }]);
    assert.equal(http.spec.rules[0].backendRefs, undefined);
    assert.throws(() => renderService(declaration('bare-entry', 9300, { publicEntry: true }), 'prod'), /must declare RATE_LIMIT_PER_IP/);
    const from = one(objs, 'NetworkPolicy').spec.ingress.map((r: Obj) => r.from[0].podSelector.matchLabels);
    assert.deepEqual(from[0], { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/instance': 'traefik-traefik' });
    const targetFrom = one(renderService(target, 'prod', withEntry), 'NetworkPolicy').spec.ingress.map((r: Obj) => r.from[0].podSelector.matchLabels);
    assert.ok(
      targetFrom.some((l: Obj) => l['app.kubernetes.io/name'] === 'entry'),
      'the entry may call what it depends on',
    );
  });

  test('HPA: CPU and request rate, up fast, down slowly; PDB of one pod', () => {
    const objs = renderService(caller, 'prod', services);
    const hpa = one(objs, 'HorizontalPodAutoscaler');
    assert.deepEqual(hpa.spec.metrics, [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Pods', pods: { metric: { name: 'http_requests_per_second' }, target: { type: 'AverageValue', averageValue: 100 } } },
    ]);
    assert.equal(hpa.spec.behavior.scaleUp.stabilizationWindowSeconds, 0);
    assert.equal(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds, 300);
    assert.equal(one(objs, 'PodDisruptionBudget').spec.maxUnavailable, 1);
  });

  test('HPA: a consumer scales on its consumer lag too (prometheus-adapter); one that consumes nothing cannot', () => {
    const kafka = { produces: ['orders.dlq'], consumes: ['orders'], consumerGroup: 'order-workers' };
    const consumer = declaration('consumer', 9003, {
      dependencies: { postgres: false, services: [], kafka },
      scaling: { minReplicas: 2, maxReplicas: 8, targetCpuUtilizationPercent: 70, targetConsumerLagPerPod: 400 },
    });
    const hpa = one(renderService(consumer, 'prod', [consumer]), 'HorizontalPodAutoscaler');
    assert.deepEqual(hpa.spec.metrics, [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Pods', pods: { metric: { name: 'kafka_consumer_lag_messages' }, target: { type: 'AverageValue', averageValue: 400 } } },
    ]);
    const rule = clusterAddons.find((a) => a.name === 'prometheus-adapter')!.values(environment('prod')) as { rules: { custom: { name: { as: string } }[] } };
    assert.ok(
      rule.rules.custom.some((r) => r.name.as === 'kafka_consumer_lag_messages'),
      'prometheus-adapter serves the lag metric',
    );
    const idle = declaration('idle', 9004, { scaling: { minReplicas: 2, maxReplicas: 8, targetCpuUtilizationPercent: 70, targetConsumerLagPerPod: 400 } });
    assert.throws(() => renderService(idle, 'prod', [idle]), /scales on consumer lag but consumes no topic/);
  });

  test('HPA: tickets, notifications and analytics scale on CPU and on their consumer lag, the metric prometheus-adapter makes of the gauge runConsumer exports', async () => {
    const registry = createMetrics('lag-check').registry;
    createConsumerMetrics(registry).position('ticket-bookings', 'g', 0, '10', '4');
    assert.match(
      await registry.metrics(),
      new RegExp(`^${consumerLagMetric.sourceGauge}\\{[^}]*partition="0"[^}]*\\} 5$`, 'm'),
      'the gauge the services export',
    );
    const adapter = clusterAddons.find((a) => a.name === 'prometheus-adapter')!;
    for (const env of environments) {
      const rules = (adapter.values(env) as { rules: { custom: { seriesQuery: string; name: { matches: string; as: string } }[] } }).rules.custom;
      const rule = rules.find((r) => r.name.as === consumerLagMetric.name);
      assert.ok(rule?.seriesQuery.startsWith(`${consumerLagMetric.sourceGauge}{`) && rule.name.matches === `^${consumerLagMetric.sourceGauge}$`, env.name);
      for (const name of ['tickets', 'notifications', 'analytics']) {
        const service = allServices.find((s) => s.name === name)!;
        const metrics = one(renderService(service, env.name), 'HorizontalPodAutoscaler').spec.metrics as Obj[];
        assert.deepEqual(
          metrics.map((m) => m.resource?.name ?? m.pods.metric.name),
          ['cpu', ...(service.scaling.targetRequestsPerSecondPerPod === undefined ? [] : ['http_requests_per_second']), consumerLagMetric.name],
          `${env.name}: ${name}`,
        );
      }
    }
  });

  test('NetworkPolicy: a server outside the cluster is reachable on its declared port only', () => {
    const mailer = declaration('mailer', 9005, { dependencies: { postgres: false, services: [], external: [{ name: 'smtp', port: 587 }] } });
    const policy = one(renderService(mailer, 'prod', [mailer]), 'NetworkPolicy');
    const outside = policy.spec.egress.filter((rule: Obj) => rule.to.some((peer: Obj) => peer.ipBlock));
    assert.deepEqual(outside, [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 587, protocol: 'TCP' }] }]);
  });

  for (const env of environments) {
    test(`${env.name}: notifications gets the environment's SMTP relay and public URL; the relay's credentials only as Secret references`, () => {
      const notifications = allServices.find((s) => s.name === 'notifications')!;
      const objs = renderService(notifications, env.name);
      const data = one(objs, 'ConfigMap').data as Record<string, string>;
      assert.deepEqual(
        [data.SMTP_HOST, data.SMTP_PORT, data.SMTP_SECURE, data.SMTP_REQUIRE_TLS, data.MAIL_FROM],
        [env.mail.smtpHost, String(env.mail.smtpPort), String(env.mail.smtpSecure), String(env.mail.smtpRequireTls), env.mail.from],
      );
      assert.equal(data.PUBLIC_BASE_URL, `https://gateway.${env.domain}`, 'links in emails lead to the public host, not a developer machine');
      assert.ok(!('SMTP_USERNAME' in data) && !('SMTP_PASSWORD' in data), 'no credential in the ConfigMap');
      const envVars = container(objs).env as Obj[];
      for (const name of ['SMTP_USERNAME', 'SMTP_PASSWORD']) {
        assert.deepEqual(envVars.find((e) => e.name === name)?.valueFrom, { secretKeyRef: { key: name, name: 'notifications-secrets', optional: false } });
      }
      const outside = one(objs, 'NetworkPolicy').spec.egress.filter((rule: Obj) => rule.to.some((peer: Obj) => peer.ipBlock));
      assert.deepEqual(
        outside.map((rule: Obj) => rule.ports),
        [[{ port: env.mail.smtpPort, protocol: 'TCP' }]],
      );
    });
  }

  test('an environment moves an external port with its setting, and cannot set a secret or a value the service refuses', () => {
    const portSetting = { name: 'SMTP_PORT', description: 'port', kind: 'integer' as const, default: '587', min: 1, max: 65535 };
    const mailer = declaration('mailer', 9006, {
      env: [portSetting],
      dependencies: { postgres: false, services: [], external: [{ name: 'smtp', port: 587, portSetting: 'SMTP_PORT' }] },
    });
    // The real environments set SMTP_PORT to 587; a made-up one on 465 shows the policy follows the value.
    const prod = environment('prod');
    const on465 = { ...prod, mail: { ...prod.mail, smtpPort: 465, smtpSecure: true } };
    const objs = Testing.synth(new ServiceChart(Testing.app(), 'mailer', { declaration: mailer, allServices: [mailer], environment: on465 })) as Obj[];
    assert.equal(one(objs, 'ConfigMap').data.SMTP_PORT, '465');
    const outside = one(objs, 'NetworkPolicy').spec.egress.filter((rule: Obj) => rule.to.some((peer: Obj) => peer.ipBlock));
    assert.deepEqual(outside[0].ports, [{ port: 465, protocol: 'TCP' }]);

    const withSecret = declaration('mailer', 9006, {
      env: [portSetting, { name: 'SMTP_HOST', description: 'host', kind: 'string', default: '', secret: true }],
    });
    assert.throws(
      () => new ServiceChart(Testing.app(), 'mailer', { declaration: withSecret, allServices: [withSecret], environment: prod }),
      /SMTP_HOST is not a plain setting/,
    );
    const badPort = { ...prod, mail: { ...prod.mail, smtpPort: 70000 } };
    assert.throws(
      () => new ServiceChart(Testing.app(), 'mailer', { declaration: mailer, allServices: [mailer], environment: badPort }),
      /SMTP_PORT: must be <= 65535/,
    );
  });

  test('a setting with neither default, from nor secret fails the synth', () => {
    const broken = declaration('broken', 9000, { env: [{ name: 'NO_VALUE', description: 'x', kind: 'string' }] });
    assert.throws(() => renderService(broken, 'prod', [broken]), /NO_VALUE has no default/);
  });
});

for (const d of allServices) {
  describe(`service ${d.name}`, () => {
    for (const env of environments) {
      test(`${env.name}: Deployment, Service and ServiceMonitor follow the declaration; hardened pod`, () => {
        const objs = renderService(d, env.name);
        const dep = one(objs, 'Deployment');
        const pod = dep.spec.template.spec;
        const c = pod.containers[0];
        assert.equal(c.image, imageFor(d.name));
        assert.ok(c.image.startsWith(`ghcr.io/ticketing-platform/${d.name}:${release.version}`), c.image);
        assert.deepEqual(c.ports, [{ containerPort: d.port, name: 'http', protocol: 'TCP' }]);
        assert.equal(c.livenessProbe.httpGet.path, d.health.liveness);
        assert.equal(c.readinessProbe.httpGet.path, d.health.readiness);
        assert.equal(c.startupProbe.httpGet.path, d.health.liveness);
        for (const p of [c.livenessProbe, c.readinessProbe, c.startupProbe]) assert.equal(p.httpGet.port, d.port);
        assert.equal(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold, 120, 'two minutes to start (migrations)');
        assert.equal(pod.terminationGracePeriodSeconds, d.shutdownGraceSeconds);
        assert.deepEqual(dep.spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 });
        assert.deepEqual(
          pod.topologySpreadConstraints.map((t: Obj) => t.topologyKey),
          ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'],
        );
        assert.equal(pod.securityContext.runAsNonRoot, true);
        assert.equal(pod.securityContext.runAsUser, 1000);
        assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
        assert.equal(c.securityContext.readOnlyRootFilesystem, true);
        assert.equal(c.securityContext.allowPrivilegeEscalation, false);
        assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
        assert.deepEqual(c.volumeMounts, [{ mountPath: '/tmp', name: 'tmp' }]);
        assert.deepEqual(pod.volumes.find((v: Obj) => v.name === 'tmp').emptyDir, { sizeLimit: '64Mi' });
        assert.equal(pod.automountServiceAccountToken, false);
        assert.equal(one(objs, 'ServiceAccount').automountServiceAccountToken, false);
        assert.deepEqual(one(objs, 'Service').spec.ports, [{ name: 'http', port: d.port, targetPort: d.port, protocol: 'TCP' }]);
        assert.deepEqual(
          one(objs, 'ServiceMonitor').spec.endpoints.map((e: Obj) => [e.port, e.path]),
          [['http', d.metricsPath]],
        );
      });

      test(`${env.name}: no secret setting has its value in the ConfigMap`, () => {
        const objs = renderService(d, env.name);
        const data = one(objs, 'ConfigMap').data as Obj;
        const env_ = container(objs).env as Obj[];
        for (const setting of d.env.filter((e) => e.secret && !e.localOnly)) {
          assert.ok(!(setting.name in data), `${setting.name} must not be in the ConfigMap`);
          assert.ok(env_.find((e) => e.name === setting.name)?.valueFrom.secretKeyRef, `${setting.name} comes from a Secret`);
        }
        assert.equal(objs.filter((o) => o.kind === 'Secret').length, 0, 'no Secret objects (values) rendered');
      });
    }
  });
}

describe('data stores', () => {
  const expected = {
    dev: {
      brokers: 1,
      controllerPools: ['dual-role'],
      topicReplicas: 1,
      pgInstances: 1,
      synchronous: undefined,
      pgStorage: '5Gi',
      backups: 's3://ticketing-dev-pg-backups/',
    },
    prod: {
      brokers: 3,
      controllerPools: ['controller'],
      topicReplicas: 3,
      pgInstances: 3,
      synchronous: 1,
      pgStorage: '100Gi',
      backups: 's3://ticketing-prod-pg-backups/',
    },
  } as const;

  for (const env of environments) {
    const want = expected[env.name];
    test(`${env.name}: Kafka topics, KRaft node pools, and KafkaUser ACLs from produces/consumes`, () => {
      const objs = Testing.synth(new KafkaChart(Testing.app(), 'kafka', { environment: env, allServices })) as Obj[];
      const bookings = objs.find((o) => o.kind === 'KafkaTopic' && o.spec.topicName === 'ticket-bookings');
      assert.ok(bookings, 'topic ticket-bookings');
      assert.deepEqual(
        [bookings.spec.partitions, bookings.spec.replicas, bookings.spec.config['retention.ms']],
        [12, want.topicReplicas, String(7 * 24 * 3600 * 1000)],
      );
      const pools = objs.filter((o) => o.kind === 'KafkaNodePool');
      assert.equal(
        pools.reduce((n, p) => n + (p.spec.roles.includes('broker') ? p.spec.replicas : 0), 0),
        want.brokers,
      );
      assert.deepEqual(
        pools.filter((p) => p.spec.roles.includes('controller')).map((p) => p.metadata.name),
        want.controllerPools,
      );
      for (const s of allServices) {
        const user = objs.find((o) => o.kind === 'KafkaUser' && o.metadata.name === s.name);
        if (!s.dependencies.kafka) {
          assert.equal(user, undefined);
          continue;
        }
        assert.ok(user, `KafkaUser ${s.name}`);
        assert.equal(user.spec.authentication.type, 'scram-sha-512');
        const declared = [...s.dependencies.kafka.produces, ...s.dependencies.kafka.consumes, ...s.dependencies.kafka.consumes.map(deadLetterTopic)];
        for (const t of s.dependencies.kafka.produces)
          assert.ok(
            user.spec.authorization.acls.some((a: Obj) => a.resource.name === t && a.operations.includes('Write')),
            `${s.name} writes ${t}`,
          );
        for (const t of s.dependencies.kafka.consumes) {
          assert.ok(
            user.spec.authorization.acls.some((a: Obj) => a.resource.name === t && a.operations.includes('Read')),
            `${s.name} reads ${t}`,
          );
          assert.ok(
            user.spec.authorization.acls.some((a: Obj) => a.resource.name === deadLetterTopic(t) && a.operations.includes('Write')),
            `${s.name} dead-letters ${t}`,
          );
        }
        if (s.dependencies.kafka.consumes.length > 0)
          assert.ok(
            user.spec.authorization.acls.some(
              (a: Obj) => a.resource.type === 'group' && a.resource.name === (s.dependencies.kafka!.consumerGroup ?? s.name) && a.operations.includes('Read'),
            ),
            `${s.name} may join its own consumer group only`,
          );
        for (const a of user.spec.authorization.acls.filter((x: Obj) => x.resource.type === 'topic'))
          assert.ok(declared.includes(a.resource.name), `${s.name}: ACL on undeclared topic ${a.resource.name}`);
        const topics = objs.filter((o) => o.kind === 'KafkaTopic').map((o) => o.spec.topicName);
        for (const t of declared) assert.ok(topics.includes(t), `topic ${t} (named by ${s.name})`);
      }
    });

    test(`${env.name}: a consumer gets its group and its dead-letter topic (topic, Write ACL) from its declaration alone`, () => {
      const consumer = declaration('reader', 9400, { dependencies: { postgres: false, services: [], kafka: { produces: [], consumes: ['ticket-bookings'] } } });
      const objs = Testing.synth(new KafkaChart(Testing.app(), 'kafka', { environment: env, allServices: [...allServices, consumer] })) as Obj[];
      const user = objs.find((o) => o.kind === 'KafkaUser' && o.metadata.name === 'reader');
      const acl = (type: string, name: string | undefined) =>
        user?.spec.authorization.acls.find((a: Obj) => a.resource.type === type && a.resource.name === name);
      assert.deepEqual(acl('topic', 'ticket-bookings')?.operations, ['Read', 'Describe']);
      assert.deepEqual(acl('topic', 'ticket-bookings.dlq')?.operations, ['Write', 'Describe']);
      assert.deepEqual(acl('group', 'reader')?.operations, ['Read']);
      assert.ok(acl('cluster', undefined)?.operations.includes('IdempotentWrite'), 'its dead-letter producer is idempotent');
      const dlq = objs.find((o) => o.kind === 'KafkaTopic' && o.spec.topicName === 'ticket-bookings.dlq');
      assert.ok(dlq, 'the dead-letter topic exists (auto-creation is off)');
      const [kafka] = objs.filter((o) => o.kind === 'Kafka');
      assert.ok(
        kafka!.spec.kafka.listeners[0].networkPolicyPeers.some((p: Obj) => p.podSelector.matchLabels['app.kubernetes.io/name'] === 'reader'),
        'its pods may reach the listener',
      );
    });

    test(`${env.name}: PostgreSQL instances, synchronous replication, backups through the barman-cloud plugin, PDB only with replicas`, () => {
      const objs = Testing.synth(new PostgresChart(Testing.app(), 'postgres', { environment: env })) as Obj[];
      const cluster = one(objs, 'Cluster');
      assert.equal(cluster.metadata.name, 'ticketing-pg');
      assert.equal(cluster.spec.instances, want.pgInstances);
      assert.equal(cluster.spec.postgresql.synchronous?.number, want.synchronous);
      assert.equal(cluster.spec.storage.size, want.pgStorage);
      assert.equal(cluster.spec.backup, undefined, 'no in-tree barman (removed in CloudNativePG 1.31)');
      assert.equal(cluster.spec.enablePDB, want.pgInstances > 1, 'one instance: no PDB, or no node could drain');
      assert.match(cluster.spec.imageName, /^ghcr\.io\/cloudnative-pg\/postgresql:[0-9.]+-\d+-(minimal|standard)-[a-z]+@sha256:[0-9a-f]{64}$/);
      const [plugin] = cluster.spec.plugins;
      assert.deepEqual([plugin.name, plugin.isWALArchiver], ['barman-cloud.cloudnative-pg.io', true]);
      const store = one(objs, 'ObjectStore');
      assert.equal(plugin.parameters.barmanObjectName, store.metadata.name);
      assert.equal(store.spec.configuration.destinationPath, want.backups);
      const backup = one(objs, 'ScheduledBackup');
      assert.deepEqual([backup.spec.cluster.name, backup.spec.method, backup.spec.pluginConfiguration.name], ['ticketing-pg', 'plugin', plugin.name]);
      assert.equal(objs.filter((o) => o.kind === 'Pooler').length, 0, 'no Pooler nothing connects to');
    });
  }
});
