/**
 * The test command installs what test files drive before its runner starts
 * (scripts/local-stack/test-tools.ts). These are the repository's own files:
 * each needs exactly the tools it uses, and a file that uses none costs no install.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../local-stack/paths.js';
import { findTestFiles } from '../local-stack/test-files.js';
import { testToolsFor } from '../local-stack/test-tools.js';

const toolsOf = (file: string) => testToolsFor([join(repoRoot, file)]).map((tool) => tool.what);

test('each test file that drives a tool gets that tool installed first, and only those', () => {
  assert.deepEqual(toolsOf('services/web/test/buying.test.ts'), ['Chromium']);
  assert.deepEqual(toolsOf('services/booking/test/prometheus-metrics.test.ts'), ['Prometheus and promtool']);
  assert.deepEqual(toolsOf('charts/test/observability.test.ts'), ['Prometheus and promtool']);
  assert.deepEqual(toolsOf('services/tickets/test/tickets.test.ts'), ['poppler']);
  assert.deepEqual(toolsOf('charts/test/schema.test.ts'), ['kubeconform']);
  assert.deepEqual(toolsOf('services/booking/test/holds.test.ts'), []);
});

test('the whole suite installs every tool, each once', () => {
  const all = testToolsFor(findTestFiles(repoRoot)).map((tool) => tool.what);
  assert.deepEqual(all, ['Chromium', 'Prometheus and promtool', 'poppler', 'kubeconform']);
});
