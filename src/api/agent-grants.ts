// Capability grants an agent holds: grant, list, revoke (the seed's grant_capability).
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { idSchema } from "../platform/ids.ts";
import { paginationQuery } from "../platform/pagination.ts";
import { requestKeyOf } from "../platform/request-key.ts";
import { grantRequestSchema } from "../platform/security/grants.ts";
import type { AppEnv } from "../env.ts";
import { agentAccess } from "./agent-access.ts";
import type { ApiDeps } from "./deps.ts";
import { agentIdParams, idempotencyHeaders, json, jsonBody, problemResponses } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";

const grantSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    constraints: z.record(z.string(), z.unknown()),
    grantedBy: z.string(),
    expiresAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Grant");

const grantRoute = createRoute({
  method: "post",
  path: "/v1/agents/{id}/grants",
  tags: ["security"],
  summary: "Grant the agent a capability (the caller must hold it)",
  request: { params: agentIdParams, headers: idempotencyHeaders, body: jsonBody(grantRequestSchema.openapi("GrantRequest")) },
  responses: { 201: json(grantSchema, "The grant (the same one again for a retry with the same Idempotency-Key)"), ...problemResponses(400, 403, 404, 409, 422, 503) },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/agents/{id}/grants",
  tags: ["security"],
  summary: "List the agent's grants",
  request: { params: agentIdParams, query: paginationQuery },
  responses: { 200: json(z.object({ items: z.array(grantSchema), next: z.string().nullable() }), "A page of grants"), ...problemResponses(400, 403, 404, 503) },
});

const revokeRoute = createRoute({
  method: "delete",
  path: "/v1/agents/{id}/grants/{grantId}",
  tags: ["security"],
  summary: "Revoke a grant",
  request: { params: agentIdParams.extend({ grantId: idSchema.openapi({ param: { name: "grantId", in: "path" } }) }) },
  responses: { 204: { description: "Revoked" }, ...problemResponses(400, 403, 404, 503) },
});

export const agentGrantRoutes = ({ telemetry }: ApiDeps) =>
  new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(grantRoute, async (c) => {
      const body = c.req.valid("json");
      // Made once, before the platform's retries: a retried grant finds the one the first attempt made.
      const requestKey = requestKeyOf(c.req.valid("header")["idempotency-key"]);
      const grant = await agentAccess(c, c.req.valid("param").id, telemetry).invoke("grant", (stub, at, by) => stub.grant(at, by, body, requestKey));
      return c.json(grant, 201);
    })
    .openapi(listRoute, async (c) => {
      const query = c.req.valid("query");
      return c.json(await agentAccess(c, c.req.valid("param").id, telemetry).invoke("grants", (stub, at, by) => stub.grants(at, by, query)), 200);
    })
    .openapi(revokeRoute, async (c) => {
      const { id, grantId } = c.req.valid("param");
      await agentAccess(c, id, telemetry).invoke("revoke", (stub, at, by) => stub.revoke(at, by, grantId));
      return c.body(null, 204);
    });
