/**
 * Calls to the platform's API through the gateway (same origin, /api/…).
 * Every failure becomes an ApiError carrying a sentence a person can act on;
 * pages show `error.message`, never a raw body.
 */
import { getSession, setSession, type Session } from './session.js';

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  [extension: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The problem type's slug (`seats-unavailable`, `payment-declined`, …), or `network`. */
    readonly kind: string,
    message: string,
    readonly problem: Problem = {},
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What to tell the person for each kind of failure; `detail` is only a fallback. */
function messageOf(status: number, kind: string, problem: Problem, retryAfter: number | undefined): string {
  const wait = retryAfter ? ` Please try again in ${retryAfter} s.` : ' Please try again in a moment.';
  switch (kind) {
    case 'seats-unavailable':
      return 'Sorry, someone else just took one of those seats. It is now marked unavailable; please pick another.';
    case 'not-enough-places':
      return `Not enough places left in that area (${String(problem['availablePlaces'] ?? 0)} left).`;
    case 'hold-expired':
      return 'Your hold has expired and the seats were released. Please choose your seats again.';
    case 'hold-not-active':
      return 'This hold is no longer active. Please choose your seats again.';
    case 'payment-declined':
      return 'Your payment was declined and you have not been charged. The seats were released; you can choose them again and use another card.';
    case 'payment-timeout':
      return 'The payment provider did not answer in time. You have not been charged and the seats were released. Please try again.';
    case 'payment-in-progress':
      return 'A payment for this hold is already in progress. Please wait for its outcome.';
    case 'seats-lost':
      return 'The seats were taken after your hold expired, so your payment was refunded.';
    case 'event-not-on-sale':
      return 'This event is not on sale.';
    case 'event-started':
      return 'This event has already started.';
    case 'waiting-room-pass-required':
      return 'This sale goes through a waiting room: join the queue to get your turn.';
    case 'waiting-room-closed':
      return 'The queue for this event is closed: it takes nobody new.';
    case 'sold-out':
      return 'This event is sold out.';
    case 'invalid-credentials':
      return 'Wrong email or password.';
    case 'too-many-login-attempts':
      return `Too many failed log-ins.${wait}`;
    case 'email-taken':
      return 'An account with this email already exists. Log in instead?';
    case 'rate-limited':
      return `You are sending requests too quickly.${wait}`;
    case 'starts-in-past':
      return 'This event has already started, so it cannot go on sale or be scheduled.';
    case 'sales-open-in-past':
      return 'That sales opening time has already passed. Please choose a time in the future.';
    case 'invalid-status-transition':
      return `An event cannot go from ${statusWords(problem['from'])} to ${statusWords(problem['to'])}. Reload the page to see its current status.`;
    case 'event-cancelled':
      return 'This event is cancelled and can no longer be changed.';
    case 'event-happened':
      return 'This event has already happened and can no longer be changed.';
    case 'mixed-currencies':
      return `All price tiers of an event use one currency. ${problem.detail ?? ''}`.trim();
    case 'unknown-category':
      return `The venue has no seats or places in that category. ${problem.detail ?? ''}`.trim();
    case 'not-utf8':
    case 'line-too-long':
    case 'bad-csv-columns':
      return `This file cannot be imported: ${problem.detail ?? problem.title ?? kind}.`;
    case 'file-too-large':
      return 'This file is too large to import.';
    case 'network':
      return 'Cannot reach the service. Check your connection and try again.';
  }
  if (status === 429) return `You are sending requests too quickly.${wait}`;
  if (status === 503 || status === 502 || status === 504) return `The service is unavailable right now.${wait}`;
  if (status === 401) return 'Please log in to continue.';
  if (status === 403) return 'You are not allowed to do this.';
  if (status === 404) return 'Not found. It may have been removed, or it is not yours.';
  if (status === 400 || status === 422) return problem.detail ? `Please check the form: ${problem.detail}` : 'Please check the form.';
  if (status === 413) return 'This file is too large to send. Split it into smaller files.';
  if (status === 415) return problem.detail ? `This file cannot be imported: ${problem.detail}.` : 'This kind of file cannot be imported.';
  if (status >= 500) return 'Something went wrong on our side. Please try again.';
  return problem.detail ?? problem.title ?? `Request failed (${status}).`;
}

/** "on_sale" → "on sale", for sentences built from a problem's fields. */
function statusWords(status: unknown): string {
  return typeof status === 'string' ? status.replace(/_/g, ' ') : 'its status';
}

async function toError(res: Response): Promise<ApiError> {
  let problem: Problem = {};
  try {
    problem = (await res.json()) as Problem;
  } catch {
    // not JSON: the status alone tells
  }
  const kind = typeof problem.type === 'string' ? (problem.type.split('/').pop() ?? 'error') : 'error';
  const retryHeader = Number(res.headers.get('retry-after'));
  const retryAfter = Number.isFinite(retryHeader) && retryHeader > 0 ? retryHeader : undefined;
  return new ApiError(res.status, kind, messageOf(res.status, kind, problem, retryAfter), problem, retryAfter);
}

let refreshing: Promise<Session | undefined> | undefined;

/** Trades the refresh token for a new pair once, however many calls found the access token expired. */
function refreshSession(session: Session): Promise<Session | undefined> {
  refreshing ??= (async () => {
    try {
      const res = await fetch('/api/users/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: session.refreshToken }),
      });
      const next = res.ok ? ((await res.json()) as Session) : undefined;
      setSession(next);
      return next;
    } catch {
      return undefined;
    } finally {
      refreshing = undefined;
    }
  })();
  return refreshing;
}

export interface CallOptions {
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is (an uploaded file), with its media type: instead of `body`. */
  file?: { content: Blob; type: string };
  /** Writes: a fresh key makes a retried request (double click, flaky network) happen once. */
  idempotent?: boolean;
  signal?: AbortSignal;
  /** Extra request headers (e.g. the waiting room's admission pass). */
  headers?: Record<string, string>;
}

/** One page of a keyset-paged list of the API (a partner's venues and events). */
export interface ListPage<T> {
  items: T[];
  /** The next page's `cursor`; null on the last page. */
  nextCursor: string | null;
}

/** `path` (which may carry a query) for the page after `cursor`. */
export const pagePath = (path: string, cursor: string | null) =>
  cursor ? `${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}` : path;

/** Every item of a keyset-paged list, page after page. */
export async function allPages<T>(path: string, options: { signal?: AbortSignal } = {}): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: ListPage<T> = await api<ListPage<T>>(pagePath(path, cursor), options);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** Calls `/api${path}`; resolves with the JSON body (undefined for 204), rejects with ApiError. */
export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
  const send = (session: Session | undefined, key: string | undefined) => {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.file) headers['content-type'] = options.file.type;
    if (session) headers['authorization'] = `Bearer ${session.accessToken}`;
    if (key) headers['idempotency-key'] = key;
    return fetch(`/api${path}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.file ? options.file.content : options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      // Revalidate with the server (ETag → 304) instead of trusting a stale copy.
      cache: 'no-cache',
    });
  };
  const key = options.idempotent ? crypto.randomUUID() : undefined;
  let session = getSession();
  let res: Response;
  try {
    res = await send(session, key);
    if (res.status === 401 && session) {
      session = await refreshSession(session);
      if (session) res = await send(session, key);
    }
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'network', messageOf(0, 'network', {}, undefined));
  }
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/**
 * Downloads a file the API serves only to the signed-in account (the tickets
 * PDF): fetched with the session's token, then saved under `filename`.
 */
export async function downloadFile(path: string, filename: string): Promise<void> {
  const session = getSession();
  let res: Response;
  try {
    res = await fetch(`/api${path}`, { headers: session ? { authorization: `Bearer ${session.accessToken}` } : {} });
  } catch {
    throw new ApiError(0, 'network', messageOf(0, 'network', {}, undefined));
  }
  if (!res.ok) throw await toError(res);
  const url = URL.createObjectURL(await res.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
