// Routes of the agent runtime: spawn, read, call an action, delete. Lifecycle
// operations (pause, resume, stop, checkpoint, restore) are in agent-lifecycle.ts.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { sha256Hex } from "../platform/canonical-json.ts";
import { idSchema } from "../platform/ids.ts";
import { labelsSchema } from "../platform/discovery/labels.ts";
import { placementSchema } from "../platform/discovery/placement.ts";
import type { AppEnv } from "../env.ts";
import { agentAccess } from "./agent-access.ts";
import type { ApiDeps } from "./deps.ts";
import { actionInputBody, actionParam, agentIdParams, agentViewSchema, idempotencyHeaders, json, jsonBody, problemResponses, spawnedAgentSchema } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";

const spawnBody = z
  .strictObject({
    type: z.string().min(1).max(64).openapi({ example: "counter" }),
    id: idSchema.optional().openapi({ description: "Omit to let the platform choose (derived from Idempotency-Key when given)." }),
    state: z.unknown().optional().openapi({ description: "Initial state; validated by the type's state schema." }),
    labels: labelsSchema.optional().openapi({ description: "At most 16 labels (names a-z 0-9 _ . -, values 1-128 characters), listed and filtered by the directory.", example: { region: "us", tier: "gold" } }),
    placement: placementSchema.optional().openapi({
      description: "locationHint is passed to the runtime when the object is created; jurisdiction is recorded (directory, discovery) but does not move the object (see README).",
    }),
  })
  .openapi("SpawnRequest");

const spawnRoute = createRoute({
  method: "post",
  path: "/v1/agents",
  tags: ["agents"],
  summary: "Spawn an agent (idempotent by id)",
  request: { headers: idempotencyHeaders, body: jsonBody(spawnBody) },
  responses: {
    201: json(spawnedAgentSchema, "The agent was created (id and status only without agents:read:<type>)"),
    200: json(spawnedAgentSchema, "The agent already existed with this type (id and status only without agents:read:<type>)"),
    ...problemResponses(400, 403, 404, 409, 413, 415, 500, 503),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/agents/{id}",
  tags: ["agents"],
  summary: "Read an agent: state, status, type@version, counters, breaker",
  request: { params: agentIdParams },
  responses: { 200: json(agentViewSchema, "The agent"), ...problemResponses(400, 404, 503) },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/agents/{id}",
  tags: ["agents"],
  summary: "Stop the agent if needed and delete all of its storage",
  request: { params: agentIdParams },
  responses: { 204: { description: "Deleted" }, ...problemResponses(400, 404, 503) },
});

const callRoute = createRoute({
  method: "post",
  path: "/v1/agents/{id}/actions/{action}",
  tags: ["agents"],
  summary: "Call an action; the body is the action's input, the answer its result",
  request: {
    params: agentIdParams.extend(actionParam),
    headers: idempotencyHeaders,
    body: actionInputBody,
  },
  responses: {
    200: json(z.unknown(), "The action's result (header Idempotent-Replayed: true when answered from the idempotency record)"),
    ...problemResponses(400, 404, 409, 413, 415, 422, 429, 500, 503, 504),
  },
});

const generatedId = async (key: string | undefined): Promise<string> =>
  key === undefined ? `agt_${crypto.randomUUID().replaceAll("-", "")}` : `agt_${(await sha256Hex(key)).slice(0, 32)}`;

export const agentRoutes = ({ telemetry }: ApiDeps) =>
  new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(spawnRoute, async (c) => {
      const body = c.req.valid("json");
      const key = c.req.valid("header")["idempotency-key"];
      const id = body.id ?? (await generatedId(key));
      const access = agentAccess(c, id, telemetry, { locationHint: body.placement?.locationHint });
      const request = {
        type: body.type,
        state: body.state,
        ...(body.labels === undefined ? {} : { labels: body.labels }),
        ...(body.placement === undefined ? {} : { placement: body.placement }),
      };
      const outcome = await access.invoke("spawn", (stub, at, by) => stub.spawn(at, by, request));
      c.header("location", `/v1/agents/${encodeURIComponent(id)}`);
      return c.json(outcome.agent, outcome.created ? 201 : 200);
    })
    .openapi(getRoute, async (c) => {
      const access = agentAccess(c, c.req.valid("param").id, telemetry);
      return c.json(await access.invoke("get", (stub, at, by) => stub.get(at, by)), 200);
    })
    .openapi(deleteRoute, async (c) => {
      const access = agentAccess(c, c.req.valid("param").id, telemetry);
      await access.invoke("destroy", (stub, at, by) => stub.destroy(at, by));
      return c.body(null, 204);
    })
    .openapi(callRoute, async (c) => {
      const { id, action } = c.req.valid("param");
      const clientKey = c.req.valid("header")["idempotency-key"];
      const request = {
        action,
        input: c.req.valid("json"),
        idempotencyKey: clientKey ?? `platform:${crypto.randomUUID()}`,
        keyOrigin: clientKey === undefined ? ("platform" as const) : ("client" as const),
      };
      const outcome = await agentAccess(c, id, telemetry).invoke("call", (stub, at, by, attempt) => stub.call(at, by, { ...request, attempt }));
      if (outcome.replayed) c.header("idempotent-replayed", "true");
      return c.json(outcome.output, 200);
    });
