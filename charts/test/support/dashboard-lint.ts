/**
 * Lint of rendered Grafana dashboards: what makes a dashboard wrong to ship
 * even when Grafana would load it.
 */

type Json = Record<string, any>;

/** Panel types without a unit to show (rows group, logs list lines). */
const unitless = new Set(['row', 'logs', 'text']);

function panels(d: Json): Json[] {
  return (d['panels'] ?? []).flatMap((p: Json) => [p, ...(p['panels'] ?? [])]);
}

/** Problems of a set of dashboards (uid unique across them); empty when fine. */
export function lintDashboards(dashboards: readonly Json[]): string[] {
  const problems: string[] = [];
  const uids = new Map<string, number>();
  for (const d of dashboards) {
    const name = String(d['uid'] ?? d['title']);
    if (!d['uid']) problems.push(`${d['title']}: no uid`);
    uids.set(d['uid'], (uids.get(d['uid']) ?? 0) + 1);
    const variables = new Map<string, string>(
      (d['templating']?.['list'] ?? []).filter((v: Json) => v['type'] === 'datasource').map((v: Json) => [String(v['name']), String(v['query'])]),
    );
    if (variables.size === 0) problems.push(`${name}: no datasource variable`);
    if (!(d['links'] ?? []).length) problems.push(`${name}: no links to the other dashboards`);
    const ids = new Set<number>();
    for (const p of panels(d)) {
      const where = `${name} / ${p['title'] ?? '(untitled)'}`;
      if (typeof p['id'] !== 'number') problems.push(`${where}: no panel id`);
      else if (ids.has(p['id'])) problems.push(`${where}: panel id ${p['id']} used twice`);
      else ids.add(p['id']);
      if (p['type'] === 'row') continue;
      if (!p['title']) problems.push(`${where}: no title`);
      if (!unitless.has(p['type']) && !p['fieldConfig']?.['defaults']?.['unit']) problems.push(`${where}: no unit`);
      const targets: Json[] = p['targets'] ?? [];
      if (targets.length === 0 || targets.some((t) => !String(t['expr'] ?? '').trim())) problems.push(`${where}: empty query`);
      for (const ds of [p['datasource'], ...targets.map((t) => t['datasource'])]) {
        const variable = /^\$\{(\w+)\}$/.exec(String(ds?.['uid'] ?? ''))?.[1];
        if (!variable || variables.get(variable) !== ds['type'])
          problems.push(`${where}: datasource ${JSON.stringify(ds)} is not a ${ds?.['type']} datasource variable`);
      }
    }
  }
  for (const [uid, count] of uids) if (count > 1) problems.push(`uid ${uid} used by ${count} dashboards`);
  return [...new Set(problems)];
}
