import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';

/** A strong ETag for an answer body (or for a version string standing for one). */
export function etagOf(content: string | Buffer): string {
  return `"${createHash('sha1').update(content).digest('base64url').slice(0, 22)}"`;
}

/**
 * Whether an If-None-Match header names `etag` (weak comparison, RFC 9110).
 * Decided here rather than by Express, which ignores If-None-Match when the
 * request says `Cache-Control: no-cache` — and fetch() adds exactly that to
 * every request carrying If-None-Match, so pollers in browsers would never get a 304.
 */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => opaque(tag) === opaque(etag));
}

/** An already-serialized JSON answer with its validators. */
export interface CacheableAnswer {
  body: Buffer;
  etag: string;
  cacheControl: string;
}

/** Sends a serialized JSON answer, or 304 with no body when the client already has it. */
export function sendCacheable(req: Request, res: Response, answer: CacheableAnswer): void {
  res.set({ ETag: answer.etag, 'Cache-Control': answer.cacheControl });
  if (matchesEtag(req.get('If-None-Match'), answer.etag)) res.status(304).end();
  else res.type('application/json').send(answer.body);
}

/**
 * Middleware that calls `invalidate` as a write (any method but GET/HEAD)
 * starts sending its answer: the write has committed, and its client cannot
 * read again before it has the answer, so it never reads a cache from before
 * its own write.
 */
export function invalidateOnWrites(invalidate: () => void): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const end = res.end.bind(res);
      res.end = ((...args: Parameters<typeof end>) => {
        invalidate();
        return end(...args);
      }) as typeof res.end;
    }
    next();
  };
}
