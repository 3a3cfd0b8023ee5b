import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';
import { analyticsResultsV1Schema } from './results-schema.js';

/** The published JSON Schema, written from results-schema.ts (run this file after changing that one). */
export const resultsSchemaFile = fileURLToPath(new URL('../schemas/analytics-results.v1.schema.json', import.meta.url));

export async function renderResultsSchema(): Promise<string> {
  const options = await prettier.resolveConfig(resultsSchemaFile);
  return prettier.format(JSON.stringify(analyticsResultsV1Schema), { ...options, filepath: resultsSchemaFile });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await writeFile(resultsSchemaFile, await renderResultsSchema());
