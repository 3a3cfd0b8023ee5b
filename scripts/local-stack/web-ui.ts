/**
 * Builds the web UI (services/web) with Vite into the folder the gateway
 * serves; `npm start` keeps rebuilding it on change, `npm test` builds it once.
 */
import { join } from 'node:path';
import { build } from 'vite';
import { repoRoot } from './paths.js';
import { StackError } from './errors.js';

/** What `build` returns in watch mode (Rolldown's watcher). */
type BuildWatcher = Extract<Awaited<ReturnType<typeof build>>, { on: unknown }>;

const configFile = join(repoRoot, 'services/web/vite.config.ts');

export async function buildWebUi(): Promise<void> {
  try {
    await keepingNodeEnv(() => build({ configFile, logLevel: 'error' }));
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
export async function watchWebUi(onRebuilt: (error?: Error) => void): Promise<WebUiWatcher> {
  const watcher = (await keepingNodeEnv(() => build({ configFile, logLevel: 'error', build: { watch: {} } }))) as BuildWatcher;
  await new Promise<void>((resolve, reject) => {
    let first = true;
    watcher.on('event', (event) => {
      if (event.code === 'END') {
        if (first) resolve();
        else onRebuilt();
        first = false;
      } else if (event.code === 'ERROR') {
        if (first) reject(new StackError(`Building the web UI (services/web) failed: ${event.error.message}`));
        else onRebuilt(event.error);
        first = false;
      }
      if ('result' in event && event.result) void event.result.close();
    });
  });
  return { close: () => watcher.close() };
}
