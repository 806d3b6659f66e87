// Token revocation: revoke one token by its `jti`, or every token of a subject issued
// up to now by `sub`, in the caller's tenant; list the tenant's revocations. A revoked
// token is refused (401) within REVOCATION_CACHE_MS everywhere, at once in the isolate
// that revoked it; what it delegated stops acting (see README, Tokens).
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { listRevocations, revoke } from "../../objects/security/index.ts";
import { paginationQuery } from "../platform/pagination.ts";
import { REVOKE_TOKENS, revocationRequestSchema } from "../platform/security/revocation.ts";
import type { AppEnv } from "../env.ts";
import { requireCapability } from "./authorize.ts";
import type { ApiDeps } from "./deps.ts";
import { json, jsonBody, problemResponses } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";

const revocationSchema = z
  .object({
    kind: z.enum(["jti", "sub"]),
    value: z.string(),
    revokedAt: z.string().openapi({ format: "date-time" }),
    revokedBy: z.string(),
  })
  .openapi("Revocation");

const revokeRoute = createRoute({
  method: "post",
  path: "/v1/revocations",
  tags: ["security"],
  summary: "Revoke a token by its jti, or every token of a subject issued up to now by sub",
  request: { body: jsonBody(revocationRequestSchema.openapi("RevocationRequest")) },
  responses: {
    201: json(revocationSchema, "Revoked"),
    200: json(revocationSchema, "Already revoked (a subject's revocation time moves to now)"),
    ...problemResponses(400, 403, 409, 415, 503),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/revocations",
  tags: ["security"],
  summary: "List the tenant's revocations",
  request: { query: paginationQuery },
  responses: { 200: json(z.object({ items: z.array(revocationSchema), next: z.string().nullable() }), "A page"), ...problemResponses(400, 403, 503) },
});

export const revocationRoutes = ({ telemetry }: ApiDeps) =>
  new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(revokeRoute, async (c) => {
      await requireCapability(c, telemetry, REVOKE_TOKENS, "revocations");
      const outcome = await revoke(c.env.REVOCATIONS, telemetry, c.get("tenant"), c.get("principal").subject, c.req.valid("json"));
      return c.json(outcome.revocation, outcome.created ? 201 : 200);
    })
    .openapi(listRoute, async (c) => {
      await requireCapability(c, telemetry, REVOKE_TOKENS, "revocations");
      return c.json(await listRevocations(c.env.REVOCATIONS, telemetry, c.get("tenant"), c.req.valid("query")), 200);
    });
