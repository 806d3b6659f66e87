// Lists the agent types this deployment hosts, with their settings and JSON Schemas of
// state and every action's input and output. Paginated like every list.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { describeAgentType } from "../platform/agent/registry.ts";
import { notFound } from "../platform/problem.ts";
import { paginate, paginationQuery } from "../platform/pagination.ts";
import type { AppEnv } from "../env.ts";
import type { ApiDeps } from "./deps.ts";
import { json, problemResponses } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";
import { requireCapability } from "./authorize.ts";

const agentTypeSchema = z.object({}).passthrough().openapi("AgentType");

const listRoute = createRoute({
  method: "get",
  path: "/v1/agent-types",
  tags: ["agent-types"],
  summary: "List agent types with their schemas (JSON Schema)",
  request: { query: paginationQuery },
  responses: {
    200: json(z.object({ items: z.array(agentTypeSchema), next: z.string().nullable() }), "A page of agent types"),
    ...problemResponses(400),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/agent-types/{type}",
  tags: ["agent-types"],
  summary: "One agent type",
  request: { params: z.object({ type: z.string().max(64).openapi({ param: { name: "type", in: "path" }, example: "counter" }) }) },
  responses: { 200: json(agentTypeSchema, "The agent type"), ...problemResponses(404) },
});

export const agentTypeRoutes = ({ registry, telemetry }: ApiDeps) => {
  const described = registry.list().map(describeAgentType);
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(listRoute, async (c) => {
      await requireCapability(c, telemetry, "agent-types:read", "agent-types");
      const page = paginate(described, (type) => type.name, c.req.valid("query"));
      return c.json(page, 200);
    })
    .openapi(getRoute, async (c) => {
      const name = c.req.valid("param").type;
      await requireCapability(c, telemetry, "agent-types:read", `agent-types/${name}`);
      const found = described.find((type) => type.name === name);
      if (!found) throw notFound("Agent type", name);
      return c.json(found, 200);
    });
};
