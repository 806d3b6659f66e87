// An agent's schedules: create, list, cancel (README "Schedules"). Creating and
// cancelling need agents:schedule:<type>, listing agents:read:<type>.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { idSchema } from "../platform/ids.ts";
import { paginationQuery } from "../platform/pagination.ts";
import { requestKeyOf } from "../platform/request-key.ts";
import { scheduleRequestSchema } from "../platform/schedules/schedule.ts";
import type { AppEnv } from "../env.ts";
import { agentAccess } from "./agent-access.ts";
import type { ApiDeps } from "./deps.ts";
import { agentIdParams, idempotencyHeaders, json, jsonBody, problemResponses } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";

const time = z.string().openapi({ format: "date-time" });

const scheduleSchema = z
  .object({
    id: z.string(),
    action: z.string(),
    input: z.unknown(),
    cron: z.string().nullable(),
    timezone: z.string().nullable(),
    missed: z.enum(["skip", "once"]),
    active: z.boolean(),
    nextAt: time.nullable(),
    createdAt: time,
    firings: z.number().int(),
    skipped: z.number().int(),
    last: z
      .object({
        dueAt: time,
        ranAt: time,
        ok: z.boolean(),
        error: z.object({ type: z.string(), status: z.number().int(), detail: z.string() }).nullable(),
      })
      .nullable(),
  })
  .openapi("Schedule");

const createRouteDef = createRoute({
  method: "post",
  path: "/v1/agents/{id}/schedules",
  tags: ["agents"],
  summary: "Schedule one of the agent's actions: once (at, delayMs) or by a cron pattern in a time zone",
  request: { params: agentIdParams, headers: idempotencyHeaders, body: jsonBody(scheduleRequestSchema.openapi("ScheduleRequest")) },
  responses: {
    201: json(scheduleSchema, "The schedule"),
    200: json(scheduleSchema, "The schedule made by an earlier attempt of this request (same Idempotency-Key)"),
    ...problemResponses(400, 403, 404, 409, 422, 503),
  },
});

const listRouteDef = createRoute({
  method: "get",
  path: "/v1/agents/{id}/schedules",
  tags: ["agents"],
  summary: "List the agent's schedules with their next due time and last outcome",
  request: { params: agentIdParams, query: paginationQuery },
  responses: { 200: json(z.object({ items: z.array(scheduleSchema), next: z.string().nullable() }), "A page of schedules"), ...problemResponses(400, 403, 404, 503) },
});

const cancelRouteDef = createRoute({
  method: "delete",
  path: "/v1/agents/{id}/schedules/{scheduleId}",
  tags: ["agents"],
  summary: "Cancel a schedule",
  request: { params: agentIdParams.extend({ scheduleId: idSchema.openapi({ param: { name: "scheduleId", in: "path" } }) }) },
  responses: { 204: { description: "Cancelled" }, ...problemResponses(400, 403, 404, 503) },
});

export const agentScheduleRoutes = ({ telemetry }: ApiDeps) =>
  new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(createRouteDef, async (c) => {
      const body = c.req.valid("json");
      // Made once, before the platform's retries: a retried create finds the schedule the first attempt made.
      const requestKey = requestKeyOf(c.req.valid("header")["idempotency-key"]);
      const outcome = await agentAccess(c, c.req.valid("param").id, telemetry).invoke("schedule", (stub, at, by) => stub.schedule(at, by, body, requestKey));
      return c.json(outcome.schedule, outcome.created ? 201 : 200);
    })
    .openapi(listRouteDef, async (c) => {
      const query = c.req.valid("query");
      return c.json(await agentAccess(c, c.req.valid("param").id, telemetry).invoke("schedules", (stub, at, by) => stub.schedules(at, by, query)), 200);
    })
    .openapi(cancelRouteDef, async (c) => {
      const { id, scheduleId } = c.req.valid("param");
      await agentAccess(c, id, telemetry).invoke("unschedule", (stub, at, by) => stub.unschedule(at, by, scheduleId));
      return c.body(null, 204);
    });
