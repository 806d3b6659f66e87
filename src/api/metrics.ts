// GET /v1/metrics: the tenant's metrics, merged from its aggregator shards, in the
// Prometheus text format, or OpenMetrics when the scraper asks for it in Accept.
// Needs `metrics:read`. A shard that cannot answer is left out of this scrape (its
// series reappear at the next), so one slow shard does not fail the whole scrape.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { aggregatorStub } from "../../objects/metrics/index.ts";
import { mergeSnapshots, type MetricsSnapshot } from "../platform/metrics/aggregate.ts";
import { CONTENT_TYPES, formatFor, renderMetrics } from "../platform/metrics/exposition.ts";
import { metricsShardCount } from "../platform/metrics/shards.ts";
import { unwrap } from "../platform/result.ts";
import type { AppEnv } from "../env.ts";
import { requireCapability } from "./authorize.ts";
import type { ApiDeps } from "./deps.ts";
import { problemResponses } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";

export const METRICS_READ = "metrics:read";

const metricsRoute = createRoute({
  method: "get",
  path: "/v1/metrics",
  tags: ["observability"],
  summary: "The tenant's metrics in the Prometheus text format (OpenMetrics on Accept: application/openmetrics-text)",
  responses: {
    200: {
      description: "The exposition",
      content: { [CONTENT_TYPES.prometheus]: { schema: z.string() }, [CONTENT_TYPES.openmetrics]: { schema: z.string() } },
    },
    ...problemResponses(403, 503),
  },
});

export const metricsRoutes = ({ telemetry, log }: ApiDeps) =>
  new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(metricsRoute, async (c) => {
    await requireCapability(c, telemetry, METRICS_READ, "metrics");
    const tenant = c.get("tenant");
    const shards = metricsShardCount(c.env.JIDO_METRICS_SHARDS);
    const answers = await Promise.allSettled(
      Array.from({ length: shards }, async (_, shard) => unwrap(await aggregatorStub(c.env, tenant, shard).collect({ tenant, shard }))),
    );
    const snapshots: MetricsSnapshot[] = [];
    for (const answer of answers) {
      if (answer.status === "fulfilled") snapshots.push(answer.value);
      else log.warn("a metrics shard did not answer; left out of this scrape", { tenant, error: String(answer.reason) });
    }
    const format = formatFor(c.req.header("accept"));
    return c.body(renderMetrics(mergeSnapshots(snapshots), format), 200, { "content-type": CONTENT_TYPES[format], "cache-control": "no-store" });
  });
