/**
 * RFC 9457 problem details. Every error a client sees is one of these,
 * served as application/problem+json.
 */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  [extension: string]: unknown;
}

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    /** Short, stable slug; becomes the `type` URI. */
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
    /** Sent as `Retry-After` (seconds): the failure is temporary. */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail ?? title);
    this.name = 'HttpProblem';
  }

  toBody(instance?: string): ProblemBody {
    return {
      type: `https://ticketing.dev/problems/${this.slug}`,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(instance ? { instance } : {}),
      ...this.extensions,
    };
  }
}

export const problems = {
  badRequest: (detail: string, extensions?: Record<string, unknown>) => new HttpProblem(400, 'bad-request', 'The request is not valid', detail, extensions),
  validation: (errors: { field: string; message: string }[]) =>
    new HttpProblem(400, 'validation', 'The request does not match the API schema', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors }),
  unauthorized: (detail = 'A valid bearer token is required') => new HttpProblem(401, 'unauthorized', 'Not authenticated', detail),
  forbidden: (detail: string) => new HttpProblem(403, 'forbidden', 'Not allowed', detail),
  notFound: (what: string) => new HttpProblem(404, 'not-found', 'Not found', `${what} does not exist`),
  conflict: (slug: string, title: string, detail: string, extensions?: Record<string, unknown>) => new HttpProblem(409, slug, title, detail, extensions),
  unprocessable: (slug: string, title: string, detail: string, extensions?: Record<string, unknown>) => new HttpProblem(422, slug, title, detail, extensions),
  /** A temporary failure: 503 with `Retry-After`; `reason` says which one (machine-readable). */
  unavailable: (detail: string, retryAfterSeconds = 5, reason?: string, slug = 'unavailable') =>
    new HttpProblem(503, slug, 'Temporarily unavailable', detail, reason ? { reason } : {}, retryAfterSeconds),
  methodNotAllowed: (method: string, path: string, allow: readonly string[]) =>
    new HttpProblem(405, 'method-not-allowed', 'Method not allowed', `${method} is not supported on ${path}; use ${allow.join(', ')}`, { allow }),
};
