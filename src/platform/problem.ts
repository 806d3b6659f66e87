// Problem details (RFC 9457) as plain data, and the one error type that carries them.
// Every layer throws `ProblemError` (or a named subclass); the API's single onError
// turns it into `application/problem+json`. Across Durable Object RPC the data travels
// as `Problem`, because thrown errors lose their fields at that boundary.

export type FieldError = { path: string; message: string };

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
  /** Seconds, rendered as the Retry-After header. */
  retryAfter?: number;
  /** Extra members (RFC 9457 §3.2), e.g. the action error's `code`. */
  extensions?: Record<string, unknown>;
};

const TYPE_BASE = "https://jido.dev/problems/";

export const problemType = (slug: string): string => TYPE_BASE + slug;

export class ProblemError extends Error {
  readonly problem: Problem;

  constructor(problem: Problem, options?: { cause?: unknown }) {
    super(problem.detail ?? problem.title, options);
    this.name = "ProblemError";
    this.problem = problem;
  }

  get status(): number {
    return this.problem.status;
  }
}

export const problem = (
  status: number,
  slug: string,
  title: string,
  detail?: string,
  more: Partial<Omit<Problem, "type" | "title" | "status" | "detail">> = {},
): ProblemError => new ProblemError({ type: problemType(slug), title, status, ...(detail === undefined ? {} : { detail }), ...more });

export const validationProblem = (errors: FieldError[], detail = "The request is not valid."): ProblemError =>
  problem(400, "validation", "Invalid request", detail, { errors });

export const notFound = (what: string, id: string): ProblemError =>
  problem(404, "not-found", `${what} not found`, `No ${what.toLowerCase()} '${id}' exists.`);

export const conflict = (detail: string, extensions?: Record<string, unknown>): ProblemError =>
  problem(409, "conflict", "Conflict", detail, extensions ? { extensions } : {});

/** The body of an `application/problem+json` response. */
export const problemBody = (p: Problem): Record<string, unknown> => {
  const { extensions, retryAfter: _retryAfter, ...members } = p;
  return { ...extensions, ...members };
};

export const forbidden = (capability: string, reason: string): ProblemError =>
  problem(403, "forbidden", "Forbidden", `Missing capability '${capability}': ${reason}.`, { extensions: { capability } });
