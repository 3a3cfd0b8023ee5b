/**
 * `npm run bench [-- <name>…]`: runs every `scripts/bench/<name>.bench.ts`
 * (or the named ones), one after another so they do not compete for the
 * machine; each writes its own section of docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StackError, runMain } from '../local-stack/errors.js';

const benchDir = dirname(fileURLToPath(import.meta.url));

runMain(async () => {
  const available = readdirSync(benchDir)
    .filter((file) => file.endsWith('.bench.ts'))
    .map((file) => file.slice(0, -'.bench.ts'.length))
    .sort();
  const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  const unknown = wanted.filter((name) => !available.includes(name));
  if (unknown.length > 0) throw new StackError(`Unknown benchmark ${unknown.join(', ')}. Available: ${available.join(', ') || 'none'}`);
  const chosen = wanted.length > 0 ? wanted : available;
  for (const name of chosen) {
    process.stderr.write(`\n== benchmark ${name} ==\n`);
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [...process.execArgv, join(benchDir, `${name}.bench.ts`)], { stdio: 'inherit' });
      child.once('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0)));
    });
    if (code !== 0) throw new StackError(`benchmark ${name} failed (exit ${code})`);
  }
});
