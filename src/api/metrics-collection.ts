// The Worker's side of metrics: one collector per isolate subscribed to the app's
// telemetry, and a middleware that, once the response is made, hands the flush to
// ctx.waitUntil (at once after a quiet period, else one trailing flush per interval;
// flusher.ts). Events that carry no tenant (a retried object call) are the request's
// (request-context.ts).
import type { Context, MiddlewareHandler } from "hono";
import { shipBatches } from "../../objects/metrics/index.ts";
import { createMetricsCollector } from "../platform/metrics/collector.ts";
import { createFlusher, type Flusher } from "../platform/metrics/flusher.ts";
import { flushInterval, metricsEnabled } from "../platform/metrics/shards.ts";
import type { Telemetry } from "../platform/telemetry/emitter.ts";
import type { Logger } from "../platform/telemetry/logger.ts";
import type { AppEnv } from "../env.ts";
import { currentRequest } from "./request-context.ts";

export const collectMetrics = (telemetry: Telemetry, log: Logger): MiddlewareHandler<AppEnv> => {
  const collector = createMetricsCollector({ tenant: () => currentRequest()?.get("tenant") });
  let flusher: Flusher | null = null;
  let enabled: boolean | null = null;
  return async (c, next) => {
    enabled ??= metricsEnabled(c.env.JIDO_METRICS);
    if (!enabled) return next();
    if (!flusher) {
      // Made in the first request: random values are not allowed in a Worker's global scope.
      const source = `worker:${crypto.randomUUID()}`;
      const env = c.env;
      flusher = createFlusher({
        collector,
        intervalMs: flushInterval(env.JIDO_METRICS_FLUSH_MS),
        ship: (batches) => shipBatches(env, source, batches),
        onError: (error) => log.warn("metrics flush failed; its batch is dropped", { error: error instanceof Error ? error.message : String(error) }),
      });
      telemetry.subscribe((event) => void collector.record(event));
    }
    try {
      await next();
    } finally {
      const flush = flusher.poke();
      if (flush) waitUntil(c, flush);
    }
  };
};

/** `c.executionCtx` throws where there is none (app.request in unit tests): then the flush just runs. */
const waitUntil = (c: Context<AppEnv>, promise: Promise<void>): void => {
  try {
    c.executionCtx.waitUntil(promise);
  } catch {
    void promise;
  }
};
