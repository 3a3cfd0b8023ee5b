import type { Request, Response } from 'express';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, RetryAgent, errors, request, type Dispatcher } from 'undici';
import { HttpProblem, problems } from '@ticketing/platform/problem';

/** One service behind the gateway. */
export interface Upstream {
  readonly name: string;
  readonly baseUrl: string;
  /** Budget of one call, retries included: past it the caller gets 504. */
  readonly timeoutMs: number;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are never forwarded.
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
const notForwarded = new Set([...hopByHop, 'host', 'content-length']);

/** Errors that mean the request never reached the upstream's handler: safe calls may try again. */
const connectionErrors = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'];

/** A call is safe to repeat when repeating it cannot do anything twice: reads, and writes the upstream deduplicates by Idempotency-Key. */
export function isSafeToRetry(req: Request): boolean {
  return req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' || req.get('idempotency-key') !== undefined;
}

/** A body forwarded as it arrives (a streamed-upload route): at most `maxBytes`, the whole call within `timeoutMs`. */
export interface StreamedBody {
  maxBytes: number;
  timeoutMs: number;
}

/** The problem of a streamed body over its cap. */
export const uploadTooLarge = (maxBytes: number) =>
  new HttpProblem(413, 'too-large', 'Request body too large', `the body is larger than ${maxBytes} bytes, the most this route accepts`, { maxBytes });

/** Passes the request body through, failing it once more than `maxBytes` went past (never holding more than a chunk). */
function boundedBody(req: Request, maxBytes: number): Transform {
  let bytes = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(bytes > maxBytes ? uploadTooLarge(maxBytes) : null, chunk);
    },
  });
  req.once('error', (error) => counted.destroy(error));
  return req.pipe(counted);
}

export interface UpstreamClient {
  /**
   * Forwards `req` to `upstream` at `path` (with query) and streams the answer
   * back. The body is the one already read (`req.body`), or with `streamed`
   * the request itself, passed on as it arrives.
   */
  forward(req: Request, res: Response, upstream: Upstream, path: string, streamed?: StreamedBody): Promise<void>;
  /** GET of a JSON document (health, OpenAPI), bounded by `timeoutMs`. */
  getJson(url: string, timeoutMs: number): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export function createUpstreamClient(options: { retries: number }): UpstreamClient {
  const agent = new Agent({ connections: 256, keepAliveTimeout: 4_000 });
  // undici's retry handler, used only for calls safe to repeat; a 502 from a
  // replica that is going away is worth one more try, a 503 (with its own
  // Retry-After) or 504 is passed on as it is.
  const retrying = new RetryAgent(agent, {
    maxRetries: options.retries,
    minTimeout: 50,
    maxTimeout: 500,
    timeoutFactor: 2,
    methods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'],
    statusCodes: [502],
    errorCodes: connectionErrors,
    throwOnError: false,
  });

  async function forward(req: Request, res: Response, upstream: Upstream, path: string, streamed?: StreamedBody): Promise<void> {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !notForwarded.has(name)) headers[name] = value;
    if (req.id) headers['x-request-id'] = req.id;
    // The client as the gateway resolved it through the proxies it trusts
    // (TRUST_PROXY_HOPS), as the only entry: services behind trust one hop
    // (the gateway) and read the buyer, never the ingress or a forged entry.
    const client = req.ip ?? req.socket.remoteAddress;
    if (client) headers['x-forwarded-for'] = client;
    headers['x-forwarded-proto'] = req.protocol;

    // A streamed body can be sent once only: never through the retrying agent.
    const body = streamed ? boundedBody(req, streamed.maxBytes) : Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body : undefined;
    const timeoutMs = streamed?.timeoutMs ?? upstream.timeoutMs;
    const abandoned = new AbortController();
    res.once('close', () => abandoned.abort());
    // The budget bounds a whole answer, except an event stream's: that one is
    // bounded until its headers arrive and then lives as long as the client stays.
    const timedOut = new AbortController();
    const budget = setTimeout(() => timedOut.abort(new DOMException('upstream budget spent', 'TimeoutError')), timeoutMs);
    res.once('close', () => clearTimeout(budget));
    const signal = AbortSignal.any([timedOut.signal, abandoned.signal]);
    const dispatcher: Dispatcher = !streamed && isSafeToRetry(req) ? retrying : agent;

    let answer: Dispatcher.ResponseData;
    try {
      answer = await request(new URL(path, upstream.baseUrl), { method: req.method as Dispatcher.HttpMethod, headers, body, signal, dispatcher });
    } catch (error) {
      throw upstreamProblem(error, { ...upstream, timeoutMs }, signal);
    }
    if (String(answer.headers['content-type'] ?? '').startsWith('text/event-stream')) clearTimeout(budget);
    res.status(answer.statusCode);
    for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !hopByHop.has(name)) res.setHeader(name, value);
    try {
      await pipeline(answer.body, res);
    } catch {
      // The upstream stalled or broke mid-body, or the client left: the status
      // line is gone, so all that is left is to cut the connection.
      res.destroy();
    }
  }

  async function getJson(url: string, timeoutMs: number) {
    const answer = await request(url, { dispatcher: retrying, signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    const text = await answer.body.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: answer.statusCode, body };
  }

  return { forward, getJson, close: () => agent.close() };
}

/** Why a call got no answer, as the client sees it: slow → 504, down → 503, anything else broken → 502. */
function upstreamProblem(error: unknown, upstream: Upstream, signal: AbortSignal): HttpProblem {
  // The client's own fault on the way in (a streamed body over its cap).
  if (error instanceof HttpProblem) return error;
  const code = (error as { code?: string }).code;
  if (signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError') {
    return new HttpProblem(504, 'upstream-timeout', 'Upstream timeout', `${upstream.name} did not answer within ${upstream.timeoutMs} ms`, {
      upstream: upstream.name,
    });
  }
  if (error instanceof errors.RequestAbortedError || signal.aborted) return problems.badRequest('the request was aborted');
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return problems.unavailable(`${upstream.name} is not reachable`, 5, 'upstream-unavailable', 'upstream-unavailable');
  }
  return new HttpProblem(502, 'bad-gateway', 'Bad gateway', `${upstream.name} closed the connection without an answer`, { upstream: upstream.name });
}
