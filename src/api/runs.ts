// Workflow runs: read one (status, context, every step with attempts, timings and
// errors), list by workflow and status (newest first), cancel (compensates), and deliver
// a participant event to the run's awaits. A cancel or an event that cannot take effect
// (the run has ended, or nothing awaits the event) is refused with 409 and the reason.
// Reading is tenant-wide (`runs:read`); cancelling and signalling are scoped by the run's
// workflow (`runs:cancel:<workflow>`, `runs:signal:<workflow>`), as starting one is.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { idSchema } from "../platform/ids.ts";
import { eventTypeSchema } from "../platform/events/cloud-event.ts";
import type { Context } from "hono";
import type { Telemetry } from "../platform/telemetry/emitter.ts";
import type { AppEnv } from "../env.ts";
import { requireCapability } from "./authorize.ts";
import type { ApiDeps } from "./deps.ts";
import { json, jsonBody, problemResponses } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";
import { listRuns, onRun } from "./workflow-access.ts";

const runSchema = z.object({}).passthrough().openapi("Run");
const idParams = z.object({ id: idSchema.openapi({ param: { name: "id", in: "path" } }) });
const statuses = ["running", "compensating", "cancelling", "completed", "failed", "compensated", "cancelled", "timed_out"] as const;
const signalOutcome = z
  .object({
    status: z.enum(["delivered", "buffered"]).openapi({ description: "delivered: an await took it; buffered: kept for an await that has not opened yet" }),
    await: z.string().openapi({ description: "The await that took it, or will" }),
    run: runSchema,
  })
  .openapi("SignalOutcome");

const listRoute = createRoute({
  method: "get",
  path: "/v1/runs",
  tags: ["workflows"],
  summary: "List runs, newest first (by start time), optionally by workflow and status",
  request: {
    query: z.strictObject({
      workflow: z.string().max(64).optional(),
      status: z.enum(statuses).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      cursor: z.string().max(512).optional(),
    }),
  },
  responses: { 200: json(z.object({ items: z.array(z.object({}).passthrough()), next: z.string().nullable() }), "A page of runs"), ...problemResponses(400, 403, 503) },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/runs/{id}",
  tags: ["workflows"],
  summary: "A run: status, context, every step with attempts, timings and errors",
  request: { params: idParams },
  responses: { 200: json(runSchema, "The run"), ...problemResponses(400, 403, 404, 503) },
});

const cancelRoute = createRoute({
  method: "post",
  path: "/v1/runs/{id}/cancel",
  tags: ["workflows"],
  summary: "Cancel a run: steps under way are not waited for; compensable steps are compensated at once, in reverse",
  request: { params: idParams },
  responses: {
    202: json(runSchema, "The run, cancelling (or cancelled, when nothing needed compensating)"),
    ...problemResponses(400, 403, 404, 409, 503),
  },
});

const eventRoute = createRoute({
  method: "post",
  path: "/v1/runs/{id}/events",
  tags: ["workflows"],
  summary: "Send a participant event to the run: it completes a waiting await, or is buffered for one not opened yet; else 409",
  request: {
    params: idParams,
    body: jsonBody(z.strictObject({ type: eventTypeSchema, role: z.string().max(64).optional(), data: z.unknown().optional() })),
  },
  responses: {
    200: json(signalOutcome, "Delivered: an await took it"),
    202: json(signalOutcome, "Buffered for an await that has not opened yet"),
    ...problemResponses(400, 403, 404, 409, 415, 503),
  },
});

/**
 * Checks `runs:<verb>:<workflow>` for run `id` (404 when there is no such run). A run's
 * workflow never changes, so the name read first is the one the operation acts on.
 */
const requireOnRun = async (c: Context<AppEnv>, telemetry: Telemetry, verb: "cancel" | "signal", id: string): Promise<void> => {
  const run = await onRun(c, id, telemetry, "get", (rpc, at) => rpc.get(at));
  await requireCapability(c, telemetry, `runs:${verb}:${run.workflow}`, `runs/${id}`);
};

export const runRoutes = ({ telemetry }: ApiDeps) =>
  new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(listRoute, async (c) => {
      await requireCapability(c, telemetry, "runs:read", "runs");
      const query = c.req.valid("query");
      return c.json(await listRuns(c, telemetry, query), 200);
    })
    .openapi(getRoute, async (c) => {
      const { id } = c.req.valid("param");
      await requireCapability(c, telemetry, "runs:read", `runs/${id}`);
      return c.json(await onRun(c, id, telemetry, "get", (rpc, at) => rpc.get(at)), 200);
    })
    .openapi(cancelRoute, async (c) => {
      const { id } = c.req.valid("param");
      await requireOnRun(c, telemetry, "cancel", id);
      return c.json(await onRun(c, id, telemetry, "cancel", (rpc, at) => rpc.cancel(at)), 202);
    })
    .openapi(eventRoute, async (c) => {
      const { id } = c.req.valid("param");
      await requireOnRun(c, telemetry, "signal", id);
      const body = c.req.valid("json");
      const event = { type: body.type, role: body.role ?? null, data: body.data ?? null };
      const outcome = await onRun(c, id, telemetry, "signal", (rpc, at) => rpc.signal(at, event));
      return outcome.status === "delivered" ? c.json(outcome, 200) : c.json(outcome, 202);
    });
