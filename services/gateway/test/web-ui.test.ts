/**
 * The gateway serves the built web UI (npm test builds it first): its files
 * with cache headers that fit hashed names, index.html for every page URL
 * (client-side routes survive a reload), and nothing of the API's answers
 * changes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gatewayEnv, startGateway, type TestGateway } from './support.js';
import { webBuildDir } from '../src/web-ui.js';

let gateway: TestGateway;
const unreachable = 'http://127.0.0.1:1';

before(async () => {
  gateway = await startGateway(gatewayEnv({ users: unreachable, catalog: unreachable, booking: unreachable }));
});
after(() => gateway?.close());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${gateway.url}${path}`, { headers });
const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

test('/ is the UI: index.html, revalidated on every visit, scripts only from this origin', async () => {
  const res = await get('/', html);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  const body = await res.text();
  assert.equal(body, readFileSync(join(webBuildDir, 'index.html'), 'utf8'));
  assert.match(body, /<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js">/);
  assert.doesNotMatch(body, /(src|href)="(https?:)?\/\//, 'no CDN: every script and style comes from the gateway');

  // As a browser revalidates (fetch() would add `cache-control: no-cache`, which asks for the whole file).
  const again = await get('/', { ...html, 'if-none-match': res.headers.get('etag')!, 'cache-control': 'max-age=0' });
  assert.equal(again.status, 304);
});

test('hashed assets are cached for a year; a missing asset is a 404, not the page', async () => {
  const index = await (await get('/', html)).text();
  const script = /src="(\/assets\/index-[\w-]+\.js)"/.exec(index)![1]!;
  const res = await get(script);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /javascript/);
  assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.ok((await res.text()).length > 1000);

  const missing = await get('/assets/index-missing.js');
  assert.equal(missing.status, 404);
  assert.match(missing.headers.get('content-type') ?? '', /problem\+json/);
});

test('any page URL answers index.html (the UI routes in the browser)', async () => {
  for (const path of ['/events/5b0c4c3e-5a3c-4d0c-9a43-2f7f6f1f2b11', '/bookings', '/organizer/venues/new', '/no/such/page']) {
    const res = await get(path, html);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('cache-control'), 'no-cache', path);
    assert.match(await res.text(), /<div id="app">/, path);
  }
});

test('the API and the platform endpoints are untouched: no HTML where JSON is asked for', async () => {
  const unknownApi = await get('/api/nothing-here', html);
  assert.equal(unknownApi.status, 404);
  assert.match(unknownApi.headers.get('content-type') ?? '', /problem\+json/);
  const json = await get('/some/page', { accept: 'application/json' });
  assert.equal(json.status, 404);
  assert.match(json.headers.get('content-type') ?? '', /problem\+json/);
  const health = await get('/healthz', html);
  assert.equal(health.status, 200);
  assert.match(health.headers.get('content-type') ?? '', /json/);
  const post = await fetch(`${gateway.url}/events/x`, { method: 'POST', headers: html });
  assert.notEqual(post.status, 200);
});
