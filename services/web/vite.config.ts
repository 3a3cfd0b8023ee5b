import { defineConfig } from 'vite';

/**
 * The UI is plain static files under dist/, served by the gateway from the
 * same origin as /api (so no CORS, and the CSP's 'self' covers everything).
 * Asset names carry a content hash: the gateway caches them for a year and
 * index.html not at all.
 */
export default defineConfig({
  root: import.meta.dirname,
  publicDir: false,
  // Preact's automatic JSX runtime (no React, no compat layer).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The CSP allows no inline scripts; keep everything in files.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  logLevel: 'warn',
});
