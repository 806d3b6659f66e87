// Metrics for an object, in one call from its constructor: a collector subscribed to
// the object's telemetry, and a flusher armed by the events it records. The flush runs
// on a timer after the call that recorded them, never inside it. Hibernation and
// eviction: a pending timer keeps an object awake for at most one interval; an object
// evicted before its timer fires loses that one batch. Objects with periodic alarms
// call `flush()` there too, which also restates their sampled gauges (keeping them
// from expiring while the object is idle).
import { createMetricsCollector, type CollectorOptions } from "../../src/platform/metrics/collector.ts";
import { createFlusher, type Flusher } from "../../src/platform/metrics/flusher.ts";
import { flushInterval, metricsEnabled } from "../../src/platform/metrics/shards.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { createLogger } from "../../src/platform/telemetry/logger.ts";
import { shipBatches } from "./ship.ts";

const log = createLogger({ base: { component: "metrics" } });
const OFF: Flusher = { poke: () => null, flush: () => Promise.resolve() };

export const watchMetrics = (telemetry: Telemetry, env: Env, ctx: DurableObjectState, options: CollectorOptions = {}): Flusher => {
  if (!metricsEnabled(env.JIDO_METRICS)) return OFF;
  const collector = createMetricsCollector(options);
  const source = ctx.id.toString();
  const flusher = createFlusher({
    collector,
    intervalMs: flushInterval(env.JIDO_METRICS_FLUSH_MS),
    ship: (batches) => shipBatches(env, source, batches),
    onError: (error) => log.warn("metrics flush failed; its batch is dropped", { error: error instanceof Error ? error.message : String(error) }),
  });
  telemetry.subscribe((event) => {
    if (collector.record(event)) void flusher.poke();
  });
  return flusher;
};
