import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeBenchmarkSection } from '../bench/report.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('each benchmark replaces only its own section of the report', () => {
  const file = join(dir, 'benchmarks.md');
  writeBenchmarkSection('booking', '## Booking\n0.41×', file);
  writeBenchmarkSection('search', '## Search\n0.90×', file);
  writeBenchmarkSection('booking', '## Booking\n0.62×', file);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^# Benchmarks/);
  assert.equal(text.match(/## Booking/g)?.length, 1);
  assert.match(text, /<!-- bench:booking -->\n## Booking\n0\.62×\n<!-- \/bench:booking -->/);
  assert.ok(text.indexOf('bench:booking') < text.indexOf('bench:search'), 'sections keep their order');
  assert.doesNotMatch(text, /0\.41×/);
  assert.match(text, /## Search\n0\.90×/);
});
