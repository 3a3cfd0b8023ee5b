/**
 * Every PromQL expression the platform ships (dashboard panels, recording
 * rules, alert rules, prometheus-adapter rules) run against a real Prometheus
 * that scrapes the real services (users, catalog, booking, gateway) under a short load, with
 * the rendered rules loaded so the recording rules the dashboards read exist:
 * - an ordinary expression must return data;
 * - an incident-only one (a 5xx ratio, an alert condition) must name only
 *   series that exist, so it is not silently wrong;
 * - a cluster-only one (kube-state-metrics, CloudNativePG, …) parses only
 *   (the promtool test) and is listed here;
 * - an expression about a service the local stack does not run is listed too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startObservedStack, type ObservedStack } from '@ticketing/testing';
import { stringify } from 'yaml';
import { allServices } from '../../services/services.js';
import { alertRuleGroups } from '../observability/alert-rules.js';
import { promqlExpressions, type PromqlExpression } from '../observability/promql.js';

/** The services the observed stack runs (a later service's rows cannot have data here until it joins the stack). */
const localServices = new Set(['catalog', 'booking', 'users', 'gateway']);
const expressions = promqlExpressions(allServices);

/** Metric and recording-rule names an expression selects: names followed by a selector or a range. */
function selectedNames(expr: string): string[] {
  const names = [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=\{|\[)/g)].map((m) => m[1]!);
  const keywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset']);
  return [...new Set(names.filter((n) => !keywords.has(n)))];
}

/** The services an expression is about, from its `service="…"` matchers. */
const servicesNamed = (expr: string) => [...expr.matchAll(/service="([a-z-]+)"/g)].map((m) => m[1]!);

describe('every shipped PromQL expression against a real Prometheus scraping the services', () => {
  let stack: ObservedStack;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'observability-live-'));
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, stringify({ groups: alertRuleGroups(allServices) }));
    stack = await startObservedStack({ ruleFiles: [rules] });
  });
  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const local = (e: PromqlExpression) => !e.clusterOnly && servicesNamed(e.expr).every((s) => localServices.has(s));

  test('ordinary expressions return data', async () => {
    assert.deepEqual(await stack.query('rate(no_such_metric_total[1m])'), [], 'a query naming nothing real is empty, so emptiness is what this test sees');
    const empty: string[] = [];
    for (const e of expressions.filter((e) => local(e) && !e.incidentOnly)) {
      const samples = await stack.query(e.expr);
      if (samples.length === 0) empty.push(`${e.source}: ${e.expr}`);
    }
    assert.deepEqual(empty, [], 'expressions that return nothing name a metric or label nobody exports');
  });

  test('incident-only expressions select only series that exist', async () => {
    const missing: string[] = [];
    for (const e of expressions.filter((e) => local(e) && e.incidentOnly)) {
      for (const name of selectedNames(e.expr)) {
        if ((await stack.query(`count({__name__="${name}"})`)).length === 0) missing.push(`${e.source}: ${name}`);
      }
    }
    assert.deepEqual(missing, [], 'incident-only expressions naming series nobody exports');
  });

  test('what only a cluster (or a service not run here) can answer is listed, not silently skipped', (t) => {
    const clusterOnly = expressions.filter((e) => e.clusterOnly);
    const otherServices = expressions.filter((e) => !e.clusterOnly && !local(e));
    t.diagnostic(`${expressions.length} expressions: ${clusterOnly.length} cluster-only, ${otherServices.length} about services the local stack does not run`);
    for (const e of [...clusterOnly, ...otherServices]) t.diagnostic(`not run here: ${e.source} (${e.reasons.join(', ') || servicesNamed(e.expr).join(', ')})`);
    assert.ok(expressions.length - clusterOnly.length - otherServices.length > 20, 'most expressions are checked for real');
  });
});
