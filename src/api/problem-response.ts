// Renders a Problem as an `application/problem+json` response (RFC 9457), with
// Retry-After when the problem says when to come back.
import { type Problem, problemBody } from "../platform/problem.ts";

export const problemResponse = (p: Problem, headers: Record<string, string> = {}): Response => {
  const all: Record<string, string> = { "content-type": "application/problem+json", ...headers };
  if (p.retryAfter !== undefined) all["retry-after"] = String(p.retryAfter);
  return new Response(JSON.stringify(problemBody(p)), { status: p.status, headers: all });
};
