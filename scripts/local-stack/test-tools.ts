/**
 * The programs some test files drive besides the servers (a browser, promtool,
 * poppler, kubeconform). The test command installs the ones its files need
 * before the runner starts: on a fresh machine an install can take minutes
 * (apt-get, go install), which must not count against a test file's timeout.
 * A file needs a tool when its source uses what drives it.
 */
import { readFileSync } from 'node:fs';
import { ensureChromiumInstalled } from './chromium.js';
import { ensureGoTool, kubeconform } from './go-tools.js';
import { type Logger } from './logging.js';
import { ensurePdftoppmInstalled } from './poppler.js';
import { ensurePrometheusInstalled } from './prometheus.js';

interface TestTool {
  what: string;
  /** Matches the source of a test file that needs the tool. */
  neededBy: RegExp;
  install(log: Logger): Promise<unknown>;
}

export const testTools: readonly TestTool[] = [
  { what: 'Chromium', neededBy: /from '\.\/browser\.js'/, install: (log) => ensureChromiumInstalled({ log }) },
  { what: 'Prometheus and promtool', neededBy: /ObservedStack|ensurePromtool/, install: (log) => ensurePrometheusInstalled({ log }) },
  { what: 'poppler', neededBy: /qrCodesOfPdf|pageTextsOfPdf/, install: (log) => ensurePdftoppmInstalled({ log }) },
  { what: 'kubeconform', neededBy: /\bkubeconform\b/, install: (log) => ensureGoTool(kubeconform, { log }) },
];

/** The tools `files` need, in the order of testTools. */
export function testToolsFor(files: readonly string[]): TestTool[] {
  const sources = files.map((file) => readFileSync(file, 'utf8'));
  return testTools.filter((tool) => sources.some((source) => tool.neededBy.test(source)));
}

/** Installs, one after another (apt-get takes one lock), the tools `files` need that are missing. */
export async function installTestTools(files: readonly string[], log: Logger): Promise<void> {
  for (const tool of testToolsFor(files)) await tool.install(log);
}
