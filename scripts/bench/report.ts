/**
 * One owner for docs/benchmarks.md: every benchmark writes only its own
 * section, between `<!-- bench:<id> -->` and `<!-- /bench:<id> -->`, so
 * benchmarks run alone or together never overwrite each other's figures.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../local-stack/paths.js';

export const benchmarksFile = join(repoRoot, 'docs', 'benchmarks.md');

const preamble = `# Benchmarks

Written by \`npm run bench\` (all benchmarks) or \`npm run bench -- <name>\` (one of them); each
section below is replaced only by its own benchmark. Every figure is a ratio against a baseline
measured in the same run on the same machine, so the numbers travel between machines better than
absolute ones. Sources: \`scripts/bench/*.bench.ts\`.
`;

/** Replaces (or appends) section `id` of docs/benchmarks.md with `markdown`. */
export function writeBenchmarkSection(id: string, markdown: string, file = benchmarksFile): void {
  const start = `<!-- bench:${id} -->`;
  const end = `<!-- /bench:${id} -->`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : preamble;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next = from >= 0 && to > from ? current.slice(0, from) + block + current.slice(to + end.length) : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

/** The machine and versions a figure was measured on, as one Markdown line. */
export function machineLine(): string {
  const cpu = cpus();
  const postgres = tryVersion('postgres', ['--version']);
  return [
    `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}`,
    `${Math.round(totalmem() / 2 ** 30)} GiB`,
    `Node ${process.version}`,
    postgres ?? 'PostgreSQL (version unknown)',
    `measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  ].join(' · ');
}

function tryVersion(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}
