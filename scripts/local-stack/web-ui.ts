/**
 * Builds the web UI (services/web) with Vite into the folder the gateway
 * serves; `npm start` keeps rebuilding it on change, `npm test` builds it once.
 */
import { join } from 'node:path';
import { build, type InlineConfig } from 'vite';
import { repoRoot } from './paths.js';
import { StackError } from './errors.js';

/** What `build` returns in watch mode (Rolldown's watcher). */
type BuildWatcher = Extract<Awaited<ReturnType<typeof build>>, { on: unknown }>;

/** The UI's own Vite config; tests of the build machinery pass a small project of their own instead. */
const webUiConfig: InlineConfig = { configFile: join(repoRoot, 'services/web/vite.config.ts') };

export async function buildWebUi(config = webUiConfig): Promise<void> {
  try {
    await keepingNodeEnv(() => build({ ...config, logLevel: 'error' }));
  } catch (error) {
    throw new StackError(`Building the web UI (services/web) failed: ${(error as Error).message}`);
  }
}

/**
 * Vite sets process.env.NODE_ENV=production while it builds and leaves it so;
 * every process started after would inherit it (npm then skips
 * devDependencies, Express hides error details), so it is put back.
 */
async function keepingNodeEnv<T>(run: () => Promise<T>): Promise<T> {
  const before = process.env['NODE_ENV'];
  try {
    return await run();
  } finally {
    if (before === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = before;
  }
}

export interface WebUiWatcher {
  close(): Promise<void>;
}

/** Builds now, then again whenever a file of the UI changes; `onRebuilt` hears of each build (and its errors). */
export async function watchWebUi(onRebuilt: (error?: Error) => void, config = webUiConfig): Promise<WebUiWatcher> {
  const watcher = (await keepingNodeEnv(() => build({ ...config, logLevel: 'error', build: { ...config.build, watch: {} } }))) as BuildWatcher;
  await new Promise<void>((resolve, reject) => {
    // One report per build: a failed build also ends with END, which must not read as "rebuilt".
    let first = true;
    let failed = false;
    const report = (error?: Error) => {
      if (first) {
        if (error) reject(new StackError(`Building the web UI (services/web) failed: ${error.message}`));
        else resolve();
      } else onRebuilt(error);
      first = false;
    };
    watcher.on('event', (event) => {
      if (event.code === 'START') failed = false;
      else if (event.code === 'ERROR') {
        failed = true;
        report(event.error);
      } else if (event.code === 'END' && !failed) report();
      if ('result' in event && event.result) void event.result.close();
    });
  });
  return { close: () => watcher.close() };
}
