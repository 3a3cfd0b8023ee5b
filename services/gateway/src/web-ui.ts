import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { problems } from '@ticketing/platform/problem';

/**
 * The built web UI (services/web, `vite build` → services/web/dist). Two
 * folders up from this file both in the repository (src/) and in the image
 * (build/), where the image's build stage has run the same build.
 */
export const webBuildDir = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Hashed file names change with their content: cached for a year, never revalidated. */
const immutable = 'public, max-age=31536000, immutable';
/** index.html (and any unhashed file) names the current hashed assets: always revalidated (ETag → 304). */
const revalidate = 'no-cache';

/** Paths the UI never owns: the API, the platform's own endpoints. */
const notUiPaths = /^\/(api|healthz|readyz|metrics|openapi\.json)(\/|$)/;

/**
 * Serves the UI's files and, for any other GET of a page (a browser asking
 * for HTML at /events/…), index.html, so client-side routes survive a reload
 * or a shared link. Unknown assets stay 404s.
 */
export function serveWebUi(router: Router, root = webBuildDir): void {
  router.use(
    express.static(root, {
      index: false,
      redirect: false,
      setHeaders: (res, path) => res.setHeader('Cache-Control', path.startsWith(join(root, 'assets')) ? immutable : revalidate),
    }),
  );
  const indexFile = join(root, 'index.html');
  router.get('{*page}', (req: Request, res: Response, next: NextFunction) => {
    if (notUiPaths.test(req.path) || req.path.startsWith('/assets/') || !req.accepts('html')) return next();
    if (!existsSync(indexFile)) return next(problems.unavailable('the web UI is not built yet (npm start builds it)', 5, 'web-ui-not-built'));
    res.setHeader('Cache-Control', revalidate);
    res.sendFile(indexFile, (error?: Error) => error && next(error));
  });
}
