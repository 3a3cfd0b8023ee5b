import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { resultsSchemaFile, renderResultsSchema } from '../src/write-results-schema.js';

test('the published JSON Schema is the one results-schema.ts describes', async () => {
  assert.equal(
    await readFile(resultsSchemaFile, 'utf8'),
    await renderResultsSchema(),
    'schemas/analytics-results.v1.schema.json differs from src/results-schema.ts: run `npx tsx --conditions=development services/analytics/src/write-results-schema.ts`',
  );
});
