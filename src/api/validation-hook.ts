// The hook every OpenAPI route validates with: a failed zod parse becomes a 400
// problem naming each field. Body fields are named as they are; path, query and
// header fields carry their location (`path.id`, `header.idempotency-key`).
import type { Hook } from "@hono/zod-openapi";
import { zodProblem } from "../platform/zod-issues.ts";
import type { AppEnv } from "../env.ts";

const ROOTS: Record<string, string> = { json: "", param: "path", query: "query", header: "header", cookie: "cookie", form: "" };

export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) throw zodProblem(result.error, ROOTS[result.target] ?? result.target);
};
