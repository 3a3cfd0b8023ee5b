/** Local TCP ports: is one free, are all the ones we need free, give me a free one. */
import { createServer } from 'node:net';
import { StackError } from './errors.js';

/** True when nothing listens on host:port (we can bind it ourselves). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolvePromise(false);
      else reject(error);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolvePromise(true)));
  });
}

/** Fails with one clear message naming every taken port and what needed it. */
export async function assertPortsFree(ports: readonly { port: number; what: string }[]): Promise<void> {
  const taken: { port: number; what: string }[] = [];
  for (const entry of ports) {
    if (!(await isPortFree(entry.port))) taken.push(entry);
  }
  const first = taken[0];
  if (!first) return;
  const list = taken.map(({ port, what }) => `${port} (${what})`).join(', ');
  throw new StackError(
    `Port ${list} ${taken.length > 1 ? 'are' : 'is'} already in use by another process. ` +
      `Stop that process (see: ss -ltnp 'sport = :${first.port}') and try again.`,
  );
}

/** A port the OS considers free right now (for tests that need throwaway servers). */
export function findFreePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}
