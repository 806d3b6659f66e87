// A run's transitions, live (`GET /v1/runs/:id/live`, Server-Sent Events): the Worker
// tails the run's shard stream `workflow.<k>` from the run's first transition (or after
// Last-Event-ID), forwards only this run's transition events and ends the stream after
// its final one. Reading it takes `runs:read`, as reading the run does, not
// `events:read` on the shard stream (which carries every run of the shard).
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { idSchema } from "../platform/ids.ts";
import { workflowShardStream } from "../platform/events/reserved-streams.ts";
import { CLOCK_SKEW_MS, runTransitions } from "../platform/workflow/run-live.ts";
import { runShardCount, runShardOf } from "../platform/workflow/run-shards.ts";
import { FINAL_STATUSES } from "../platform/workflow/run-state.ts";
import type { AppEnv } from "../env.ts";
import { requireCapability } from "./authorize.ts";
import type { ApiDeps } from "./deps.ts";
import { onStream } from "./event-access.ts";
import { problemResponses } from "./schemas.ts";
import { resumeFrom, sseTail } from "./sse-tail.ts";
import { validationHook } from "./validation-hook.ts";
import { onRun } from "./workflow-access.ts";

const liveRoute = createRoute({
  method: "get",
  path: "/v1/runs/{id}/live",
  tags: ["workflows"],
  summary: "A run's transitions as Server-Sent Events, from its first (or after Last-Event-ID); the stream ends after the final one",
  request: { params: z.object({ id: idSchema.openapi({ param: { name: "id", in: "path" } }) }) },
  responses: {
    200: { description: "text/event-stream: `id:` the shard stream's sequence, `data:` the transition's CloudEvent", content: { "text/event-stream": { schema: z.string() } } },
    ...problemResponses(400, 403, 404, 503),
  },
});

const isFinal = (status: string): boolean => (FINAL_STATUSES as readonly string[]).includes(status);

export const runLiveRoutes = ({ telemetry }: ApiDeps) =>
  new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(liveRoute, async (c) => {
    const { id } = c.req.valid("param");
    await requireCapability(c, telemetry, "runs:read", `runs/${id}`);
    const run = await onRun(c, id, telemetry, "get", (rpc, at) => rpc.get(at));
    // The stream the coordinator publishes to, as the run recorded it when it started; a run
    // stored before it was recorded: its shard under the current count (src/platform/workflow/run-shards.ts).
    const stream = run.stream ?? workflowShardStream(runShardOf(id, runShardCount(c.env.JIDO_RUN_INDEX_SHARDS)));
    const since = Math.max(0, Date.parse(run.createdAt) - CLOCK_SKEW_MS);
    const from = resumeFrom(c) ?? (await onStream(c, stream, telemetry, "seek", (rpc, at) => rpc.sequenceAt(at, since))).sequence;
    return sseTail(c, telemetry, stream, from, {
      ...runTransitions(run),
      // A run already final whose last transition is no longer held (retention) ends
      // after a quiet wait instead of being tailed for good.
      ended: async () => isFinal((await onRun(c, id, telemetry, "get", (rpc, at) => rpc.get(at))).status),
    }) as never;
  });
