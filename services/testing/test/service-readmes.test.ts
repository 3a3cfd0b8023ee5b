import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { EnvSetting } from '@ticketing/platform/service-declaration';
import { allServices } from '../../services.js';

/**
 * Each service folder's README documents the service's settings; this keeps
 * its table equal to the declaration (services/<name>/src/service.ts), row
 * for row, so it cannot drift. The rows are compared cell by cell, so the
 * formatter may align the table as it likes.
 */

/** The row a setting has in the README's "Settings" table: setting, default, what. */
function settingRow(setting: EnvSetting): string[] {
  const value = setting.default === undefined ? 'required' : setting.default === '' ? '(empty)' : `\`${setting.default}\``;
  const notes = [setting.secret ? 'secret' : undefined, setting.localOnly ? 'local only' : undefined].filter(Boolean);
  return [`\`${setting.name}\``, notes.length > 0 ? `${value} (${notes.join(', ')})` : value, setting.description];
}

/** The rows of the first table under the `## Settings` heading, header and divider left out. */
function settingsTableRows(readme: string): string[][] {
  const section = readme.split(/^## /m).find((part) => part.startsWith('Settings'));
  assert.ok(section, 'the README has a "## Settings" section');
  const rows = section
    .split('\n')
    .filter((line) => line.trim().startsWith('|'))
    .map((line) =>
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim().replace(/\\\|/g, '|')),
    );
  return rows.slice(2);
}

for (const service of allServices) {
  test(`services/${service.name}/README.md lists every setting of the declaration, as declared, and links the API document`, () => {
    const readme = readFileSync(new URL(`../../${service.name}/README.md`, import.meta.url), 'utf8');
    assert.deepEqual(
      settingsTableRows(readme),
      service.env.map(settingRow),
      `services/${service.name}/README.md: the Settings table must be, row for row (in the declaration's order):\n` +
        service.env.map((setting) => `| ${settingRow(setting).join(' | ')} |`).join('\n'),
    );
    assert.match(readme, /\/openapi\.json/, 'the README points to the served API document');
  });
}
