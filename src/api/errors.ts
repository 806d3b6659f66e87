// The app's single error path: ProblemErrors render as themselves; Hono's
// HTTPExceptions (oversize bodies and the like) become the matching problem; any
// other error is logged with context and answered 500 without leaking internals. A
// request no route takes is 404, or 405 with Allow when the path takes other methods.
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { problem, ProblemError } from "../platform/problem.ts";
import type { Logger } from "../platform/telemetry/logger.ts";
import type { AppEnv } from "../env.ts";
import { problemResponse } from "./problem-response.ts";

// Malformed JSON never gets here: requireJsonBody parses bodies first and answers it.
const fromHttpException = (error: HTTPException): ProblemError => {
  if (error.status === 413) return problem(413, "payload-too-large", "Payload too large", error.message);
  return problem(error.status, "http-error", error.message || "HTTP error");
};

export const errorHandler =
  (log: Logger): ErrorHandler<AppEnv> =>
  (error: Error, c: Context<AppEnv>) => {
    const requestId = c.get("requestId");
    const headers: Record<string, string> = requestId ? { "x-request-id": requestId } : {};
    if (error instanceof ProblemError) {
      if (error.status === 401) headers["www-authenticate"] = 'Bearer realm="jido", error="invalid_token"';
      return problemResponse(error.problem, headers);
    }
    if (error instanceof HTTPException) return problemResponse(fromHttpException(error).problem, headers);
    log.error("unhandled error", {
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      error: error.name,
      message: error.message,
      stack: error.stack,
    });
    return problemResponse(
      problem(500, "internal", "Internal error", `Something went wrong; quote request id '${requestId}' when reporting it.`).problem,
      headers,
    );
  };

/**
 * No route for the method and path: 404 when no route has the path; when others do, 405
 * with `Allow` listing their methods, or for OPTIONS 204 with `Allow`.
 */
export const notFoundHandler =
  (allowed: (path: string) => string[]): NotFoundHandler<AppEnv> =>
  (c) => {
    const methods = allowed(c.req.path);
    if (methods.length === 0) return problemResponse(problem(404, "not-found", "Not found", `No route for ${c.req.method} ${c.req.path}.`).problem);
    const allow = methods.join(", ");
    if (c.req.method === "OPTIONS") return new Response(null, { status: 204, headers: { allow } });
    return problemResponse(
      problem(405, "method-not-allowed", "Method not allowed", `${c.req.path} does not take ${c.req.method}; it takes ${allow}.`).problem,
      { allow },
    );
  };
