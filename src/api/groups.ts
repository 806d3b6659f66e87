// Agent groups: create, list, read and delete a tenant's groups (groups:admin,
// groups:read), and call an action of a group (groups:call:<id>): the group's controller
// picks the least-loaded healthy member (or the member a client's Idempotency-Key is
// bound to), and the call goes to that member with the caller's own rights, as a direct
// agent call would. Members are spawned and stopped with the rights of the group's
// creator, who must hold agents:spawn:<type> and agents:manage:<type>.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { createGroup, deleteGroup, listGroups, routeCall, viewGroup } from "../../objects/groups/index.ts";
import { GROUPS_ADMIN, GROUPS_READ, groupCallCapability, groupResource } from "../platform/groups/capabilities.ts";
import { createGroupSchema, groupIdSchema, SCALE_SIGNALS } from "../platform/groups/schemas.ts";
import { notFound, ProblemError } from "../platform/problem.ts";
import type { AppEnv } from "../env.ts";
import { agentAccess, principalCaller } from "./agent-access.ts";
import { requireCapability } from "./authorize.ts";
import { collectionRoutes } from "./collection-routes.ts";
import type { ApiDeps } from "./deps.ts";
import { actionInputBody, actionParam, idempotencyHeaders, json, jsonBody, problemResponses } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";

const isoTime = z.string().openapi({ format: "date-time" });
const scaleSchema = z.object({ on: z.enum(SCALE_SIGNALS), target: z.number(), cooldownMs: z.number().int() });
const summarySchema = z.object({ id: z.string(), type: z.string(), min: z.number().int(), max: z.number().int(), createdAt: isoTime }).openapi("GroupSummary");
const loadSchema = z.object({ inFlight: z.number(), queueLength: z.number(), errorRate: z.number() });
const groupViewSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    labels: z.record(z.string(), z.string()),
    min: z.number().int(),
    max: z.number().int(),
    scale: scaleSchema,
    createdAt: isoTime,
    status: z.enum(["active", "deleting"]),
    figure: z.number().nullable().openapi({ description: "The scale signal per active member, as last polled" }),
    members: z.array(
      z.object({
        id: z.string(),
        state: z.enum(["active", "draining", "retired"]),
        status: z.string().nullable(),
        healthy: z.boolean(),
        load: loadSchema.nullable(),
        routed: z.number().int().openapi({ description: "Calls routed to it since its load was last polled" }),
        joinedAt: isoTime,
      }),
    ),
    history: z.array(z.object({ at: isoTime, from: z.number().int(), to: z.number().int(), reason: z.string(), figure: z.number().nullable() })),
  })
  .openapi("Group");

const idParams = z.object({ id: groupIdSchema.openapi({ param: { name: "id", in: "path" }, example: "workers" }) });

const createDef = createRoute({
  method: "post",
  path: "/v1/groups",
  tags: ["groups"],
  summary: "Create an agent group and its first `min` members (the same definition again answers it)",
  request: { body: jsonBody(createGroupSchema.openapi("GroupRequest")) },
  responses: { 201: json(groupViewSchema, "Created"), 200: json(groupViewSchema, "Exists with this definition"), ...problemResponses(400, 403, 404, 409, 415, 503) },
});

const { list: listDef, get: getDef, delete: deleteDef } = collectionRoutes({
  path: "/v1/groups",
  key: "id",
  tag: "groups",
  params: idParams,
  item: summarySchema,
  view: groupViewSchema,
  summaries: {
    list: "List the tenant's groups",
    get: "A group: its members and their load, and its scaling history",
    delete: "Delete a group: its members finish their running calls, stop, and are deleted",
  },
});

const callDef = createRoute({
  method: "post",
  path: "/v1/groups/{id}/actions/{action}",
  tags: ["groups"],
  summary: "Call an action on the group's least-loaded healthy member (the member bound to the Idempotency-Key, when it was used before)",
  request: {
    params: idParams.extend(actionParam),
    headers: idempotencyHeaders,
    body: actionInputBody,
  },
  responses: {
    200: json(z.unknown(), "The action's result; header Jido-Group-Member names the member that answered"),
    ...problemResponses(400, 403, 404, 409, 413, 415, 422, 429, 500, 503, 504),
  },
});

/** A member that refused the call because it is not taking calls (stopped meanwhile, or gone): another may take it. */
const notTakingCalls = (error: unknown): boolean =>
  error instanceof ProblemError &&
  (error.status === 404 || (error.status === 409 && typeof error.problem.extensions?.agentStatus === "string" && error.problem.extensions.agentStatus !== "running"));

export const groupRoutes = ({ telemetry, registry }: ApiDeps) =>
  new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(createDef, async (c) => {
      const request = c.req.valid("json");
      const resource = groupResource(request.id);
      await requireCapability(c, telemetry, GROUPS_ADMIN, resource);
      if (!registry.get(request.type)) throw notFound("Agent type", request.type);
      // The controller spawns and stops members with the creator's rights: refuse now, not at the first spawn.
      await requireCapability(c, telemetry, `agents:spawn:${request.type}`, resource);
      await requireCapability(c, telemetry, `agents:manage:${request.type}`, resource);
      const outcome = await createGroup(c.env, telemetry, c.get("tenant"), request, principalCaller(c));
      c.header("location", `/v1/groups/${encodeURIComponent(request.id)}`);
      return c.json(outcome.group, outcome.created ? 201 : 200);
    })
    .openapi(listDef, async (c) => {
      await requireCapability(c, telemetry, GROUPS_READ, "groups");
      return c.json(await listGroups(c.env, telemetry, c.get("tenant"), c.req.valid("query")), 200);
    })
    .openapi(getDef, async (c) => {
      const { id } = c.req.valid("param");
      await requireCapability(c, telemetry, GROUPS_READ, groupResource(id));
      return c.json(await viewGroup(c.env, telemetry, c.get("tenant"), id), 200);
    })
    .openapi(deleteDef, async (c) => {
      const { id } = c.req.valid("param");
      await requireCapability(c, telemetry, GROUPS_ADMIN, groupResource(id));
      await deleteGroup(c.env, telemetry, c.get("tenant"), id);
      return c.body(null, 204);
    })
    .openapi(callDef, async (c) => {
      const { id, action } = c.req.valid("param");
      await requireCapability(c, telemetry, groupCallCapability(id), groupResource(id), null);
      const clientKey = c.req.valid("header")["idempotency-key"];
      const request = {
        action,
        input: c.req.valid("json"),
        idempotencyKey: clientKey ?? `platform:${crypto.randomUUID()}`,
        keyOrigin: clientKey === undefined ? ("platform" as const) : ("client" as const),
      };
      const avoid: string[] = [];
      // A member retired between the route and the call answers "not running": route once more, avoiding it.
      for (let attempt = 0; ; attempt++) {
        const { member } = await routeCall(c.env, telemetry, c.get("tenant"), id, clientKey ?? null, avoid);
        try {
          const outcome = await agentAccess(c, member, telemetry).invoke("call", (stub, at, by, n) => stub.call(at, by, { ...request, attempt: n }));
          c.header("jido-group-member", member);
          if (outcome.replayed) c.header("idempotent-replayed", "true");
          return c.json(outcome.output, 200);
        } catch (error) {
          if (attempt >= 2 || !notTakingCalls(error)) throw error;
          avoid.push(member);
        }
      }
    });
