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
  badRequest: (detail: string, extensions?: Record<string, unknown>) =>
    new HttpProblem(400, 'bad-request', 'The request is not valid', detail, extensions),
  validation: (errors: { field: string; message: string }[]) =>
    new HttpProblem(400, 'validation', 'The request does not match the API schema', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors }),
  unauthorized: (detail = 'A valid bearer token is required') =>
    new HttpProblem(401, 'unauthorized', 'Not authenticated', detail),
  forbidden: (detail: string) => new HttpProblem(403, 'forbidden', 'Not allowed', detail),
  notFound: (what: string) => new HttpProblem(404, 'not-found', 'Not found', `${what} does not exist`),
  conflict: (slug: string, title: string, detail: string, extensions?: Record<string, unknown>) =>
    new HttpProblem(409, slug, title, detail, extensions),
  unprocessable: (slug: string, title: string, detail: string, extensions?: Record<string, unknown>) =>
    new HttpProblem(422, slug, title, detail, extensions),
  unavailable: (detail: string) => new HttpProblem(503, 'unavailable', 'Temporarily unavailable', detail),
};
