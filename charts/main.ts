/**
 * `npm run synth`: renders every environment into dist/<env>/ (what Argo CD
 * syncs) and argocd/<env>/ (the bootstrap applied once per cluster).
 * Never edit those folders by hand; `npm test` fails when they drift.
 */
import { fileURLToPath } from 'node:url';
import { allServices } from '../services/services.js';
import { synthesize } from './synth.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const started = performance.now();
synthesize(root, allServices);
console.log(`synthesized dist/ and argocd/ in ${Math.round(performance.now() - started)} ms`);
