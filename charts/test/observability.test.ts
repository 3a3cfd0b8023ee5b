/**
 * Dashboards, alert rules and runbooks as rendered into dist/: the dashboards
 * pass the lint, promtool accepts the rules and every PromQL expression, every
 * alert fires and stays silent when it should (promtool test rules), and
 * every alert has exactly its runbook.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { allServices } from '../../services/services.js';
import { clusterAddons } from '../addons.js';
import { environments } from '../environments.js';
import { alertNames, alertRuleGroups, runbookName, runbookUrl } from '../observability/alert-rules.js';
import { promqlExpressions } from '../observability/promql.js';
import { runCommand } from '../../scripts/local-stack/commands.js';
import { alertCases, promtoolTestFile } from './support/alert-cases.js';
import { lintDashboards } from './support/dashboard-lint.js';
import { byKind, loadManifests } from './support/manifests.js';
import { repoRoot } from './support/paths.js';
import { ensurePromtool } from './support/promtool.js';

const rendered = loadManifests().filter((m) => m.file === 'dist/prod/observability.k8s.yaml');
const dashboardJson = byKind(rendered, 'ConfigMap')
  .filter((m) => m.object.metadata.labels?.['grafana_dashboard'] === '1')
  .map((m) => JSON.parse(Object.values(m.object['data'] as Record<string, string>)[0]!) as Record<string, any>);
const ruleSpec = byKind(rendered, 'PrometheusRule')[0]?.object['spec'] as { groups: { name: string; rules: Record<string, any>[] }[] };
const runbooksDir = join(repoRoot, 'docs', 'runbooks');

describe('dashboards', () => {
  test('the rendered dashboards pass the lint (unique uids and panel ids, datasource variables, units, no empty panels, links)', () => {
    assert.equal(dashboardJson.length, 6);
    assert.deepEqual(lintDashboards(dashboardJson), []);
  });

  test('the lint catches each kind of mistake', () => {
    const good = dashboardJson[0]!;
    const broken = structuredClone(good);
    const panel = broken['panels'].find((p: Record<string, any>) => p['type'] === 'timeseries');
    delete panel['fieldConfig']['defaults']['unit'];
    panel['datasource'] = { type: 'prometheus', uid: 'prometheus' };
    panel['targets'][0]['expr'] = ' ';
    broken['panels'][1]['id'] = broken['panels'][2]['id'];
    broken['links'] = [];
    const problems = lintDashboards([good, broken]).join('\n');
    for (const expected of [
      /no unit/,
      /is not a prometheus datasource variable/,
      /empty query/,
      /used twice/,
      /no links/,
      /uid ticketing-overview used by 2/,
    ]) {
      assert.match(problems, expected);
    }
  });

  test('every service has its rows, from its declaration', () => {
    const byUid = new Map(dashboardJson.map((d) => [d['uid'], d]));
    for (const uid of ['ticketing-overview', 'ticketing-autoscaling']) {
      const rows = byUid
        .get(uid)!
        ['panels'].filter((p: Record<string, any>) => p['type'] === 'row')
        .map((p: Record<string, any>) => p['title']);
      for (const s of allServices) assert.ok(rows.includes(s.name), `${uid} has a row for ${s.name}`);
    }
    const logs = JSON.stringify(byUid.get('ticketing-logs'));
    for (const s of allServices) assert.match(logs, new RegExp(`\\b${s.name}\\b`));
  });
});

describe('alert rules (promtool)', () => {
  let promtool: string;
  let dir: string;
  before(async () => {
    promtool = await ensurePromtool();
    dir = mkdtempSync(join(tmpdir(), 'ticketing-rules-'));
    writeFileSync(join(dir, 'rules.yaml'), stringify(ruleSpec));
  });

  test('promtool check rules accepts the rendered PrometheusRule', async () => {
    const result = await runCommand(promtool, ['check', 'rules', join(dir, 'rules.yaml')]);
    assert.equal(result.code, 0, result.output);
    const count = ruleSpec.groups.reduce((n, g) => n + g.rules.length, 0);
    assert.match(result.output, new RegExp(`SUCCESS: ${count} rules found`));
  });

  test('every PromQL expression (dashboards, rules, prometheus-adapter) parses', async () => {
    const expressions = promqlExpressions(allServices);
    const file = join(dir, 'all-expressions.yaml');
    writeFileSync(file, stringify({ groups: [{ name: 'parse', rules: expressions.map((e, i) => ({ record: `parse:expression_${i}`, expr: e.expr })) }] }));
    const result = await runCommand(promtool, ['check', 'rules', file]);
    assert.equal(result.code, 0, result.output);
    assert.ok(
      expressions.some((e) => e.kind === 'adapter') && expressions.some((e) => e.kind === 'dashboard') && expressions.some((e) => e.kind === 'recording'),
    );
  });

  test('promtool test rules: every alert fires when it should and stays silent otherwise', async () => {
    const cases = alertCases(allServices);
    for (const name of alertNames(allServices)) {
      assert.ok(
        cases.some((c) => c.alert === name && c.expect.length > 0),
        `${name} has a firing case`,
      );
      assert.ok(
        cases.some((c) => c.alert === name && c.expect.length === 0),
        `${name} has a silent case`,
      );
    }
    writeFileSync(join(dir, 'tests.yaml'), stringify(promtoolTestFile(allServices, cases, 'rules.yaml')));
    const result = await runCommand(promtool, ['test', 'rules', join(dir, 'tests.yaml')], { cwd: dir });
    assert.equal(result.code, 0, result.output);
  });
});

describe('what the alerts watch is scraped', () => {
  for (const env of ['dev', 'prod']) {
    test(`${env}: CloudNativePG has PodMonitors; Kafka brokers and the Kafka Exporter serve metrics to a PodMonitor`, () => {
      const all = loadManifests().filter((m) => m.env === env);
      for (const m of byKind(all, 'Cluster')) assert.equal(m.object['spec'].monitoring?.enablePodMonitor, true, m.object.metadata.name);
      const kafka = byKind(all, 'Kafka');
      assert.equal(kafka.length, 1);
      const spec = kafka[0]!.object['spec'];
      assert.equal(spec.kafka.metricsConfig?.type, 'strimziMetricsReporter');
      assert.ok(
        spec.kafka.metricsConfig.values.allowList.some((re: string) => new RegExp(`^${re}$`).test('kafka_server_replicamanager_underreplicatedpartitions')),
      );
      assert.ok(spec.kafkaExporter, 'Kafka Exporter (kafka_consumergroup_lag)');
      const monitors = byKind(all, 'PodMonitor').filter(
        (m) => m.object['spec'].selector?.matchLabels?.['strimzi.io/cluster'] === kafka[0]!.object.metadata.name,
      );
      assert.equal(monitors.length, 1);
      assert.equal(monitors[0]!.object['spec'].podMetricsEndpoints[0].port, 'tcp-prometheus');
    });
  }
});

describe('log shipping', () => {
  const addon = (name: string) => clusterAddons.find((a) => a.name === name)!;
  test('Grafana Alloy (not promtail) ships to the Loki gateway with namespace, app and pod as the only labels', () => {
    assert.equal(
      clusterAddons.find((a) => a.name === 'promtail'),
      undefined,
    );
    const alloy = addon('alloy');
    assert.match(alloy.version, /^\d+\.\d+\.\d+$/);
    for (const env of environments) {
      const pipeline = String((alloy.values(env) as Record<string, any>)['alloy'].configMap.content);
      const targets = [...pipeline.matchAll(/target_label\s*=\s*"([^"]+)"/g)].map((m) => m[1]);
      assert.deepEqual(targets.sort(), ['app', 'namespace', 'pod']);
      assert.match(pipeline, /stage\.label_drop \{\s*values = \["job", "instance", "container"\]/);
      const loki = addon('loki');
      assert.match(pipeline, new RegExp(`url = "http://loki-gateway\\.${loki.namespace}\\.svc/loki/api/v1/push"`));
    }
  });
});

describe('PromQL catalogue', () => {
  const expressions = promqlExpressions(allServices);
  test('flags cluster-only and incident-only expressions', () => {
    const find = (re: RegExp) => expressions.filter((e) => re.test(e.expr));
    assert.ok(find(/kube_horizontalpodautoscaler|cnpg_|kafka_consumergroup_lag/).every((e) => e.clusterOnly));
    assert.ok(find(/status=~"5\.\."/).every((e) => e.incidentOnly));
    assert.ok(expressions.filter((e) => e.kind === 'alert').every((e) => e.incidentOnly));
    // The service panels must run against the local Prometheus as they are.
    const latency = expressions.find((e) => e.source === 'dashboard ticketing-overview / booking: latency');
    assert.ok(latency && !latency.clusterOnly && !latency.incidentOnly && !latency.expr.includes('$__'), JSON.stringify(latency));
  });
});

describe('runbooks', () => {
  test('every alert has severity, summary, description and a runbook_url to its file in docs/runbooks', () => {
    for (const g of alertRuleGroups(allServices)) {
      for (const r of g.rules.filter((x) => x.alert)) {
        assert.match(r.labels?.['severity'] ?? '', /^(critical|warning)$/, r.alert);
        assert.ok(r.annotations?.['summary'] && r.annotations['description'], r.alert);
        assert.equal(r.annotations?.['runbook_url'], runbookUrl(runbookName(r.alert!)));
      }
    }
  });

  test('every alert has a runbook file and every runbook belongs to an alert', () => {
    const files = readdirSync(runbooksDir)
      .filter((f) => f.endsWith('.md') && f !== 'README.md')
      .map((f) => f.replace(/\.md$/, ''))
      .sort();
    assert.deepEqual(files, alertNames(allServices).map(runbookName).sort());
    for (const f of files) {
      const text = readFileSync(join(runbooksDir, `${f}.md`), 'utf8');
      assert.match(text, /\*\*Means:\*\*/, `${f}: what it means`);
      assert.match(text, /## Confirm/, `${f}: how to confirm`);
      assert.match(text, /## Do/, `${f}: what to do`);
    }
  });
});
