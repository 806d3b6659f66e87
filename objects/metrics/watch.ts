// Metrics for an object, in one call from its constructor. Its counters and histograms
// go into the isolate's collector (isolate.ts), shipped once per interval per isolate.
// Its gauges (an agent's breaker and bulkhead, sampled when taken; event-set gauges such
// as a subscription's lag) mean something per object, so they stay in its own collector,
// shipped under its id; but a trailing flush skips a batch that only restates unchanged
// gauges, until GAUGE_RESTATE_MS (5 min) after its last ship, before the aggregator expires
// them (30 min). The flush runs on a timer after the call that recorded, never inside it.
// Hibernation and eviction: a pending timer keeps an object awake for at most one
// interval. Objects with periodic alarms call `flush()` there: an idle agent's alarm (its
// directory refresh, every 8-12 minutes) restates its gauges when due, and wakes an evicted
// agent as a new object, whose first flush always ships.
import { GAUGE_RESTATE_MS } from "../../src/platform/metrics/aggregate.ts";
import { createMetricsCollector, type CollectorOptions, type RecordScope } from "../../src/platform/metrics/collector.ts";
import { createFlusher, type Flusher } from "../../src/platform/metrics/flusher.ts";
import { flushInterval, metricsEnabled } from "../../src/platform/metrics/shards.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { createLogger } from "../../src/platform/telemetry/logger.ts";
import { isolateMetrics } from "./isolate.ts";
import { shipBatches } from "./ship.ts";

const log = createLogger({ base: { component: "metrics" } });
const OFF: Flusher = { poke: () => null, flush: () => Promise.resolve() };

export const watchMetrics = (telemetry: Telemetry, env: Env, ctx: DurableObjectState, options: CollectorOptions = {}): Flusher => {
  if (!metricsEnabled(env.JIDO_METRICS)) return OFF;
  const shared = isolateMetrics(env);
  const scope: RecordScope = {
    ...(options.tenant ? { tenant: options.tenant } : {}),
    ...(options.agentMetrics ? { agentMetrics: options.agentMetrics } : {}),
  };
  const own = createMetricsCollector({ ...options, kinds: "gauges" });
  const sampled = options.sample !== undefined;
  const source = ctx.id.toString();
  const flusher = createFlusher({
    collector: own,
    intervalMs: flushInterval(env.JIDO_METRICS_FLUSH_MS),
    restateMs: GAUGE_RESTATE_MS,
    // An agent's bulkhead is sampled after the action that recorded has left it.
    deferred: true,
    ship: (batches) => shipBatches(env, source, batches),
    onError: (error) => log.warn("metrics flush failed; its batch is dropped", { error: error instanceof Error ? error.message : String(error) }),
  });
  telemetry.subscribe((event) => {
    const counted = shared.collector.record(event, scope);
    if (counted) shared.poke(env);
    // Sampled gauges may have moved with anything the object recorded.
    if (own.record(event) || (counted && sampled)) void flusher.poke(true);
  });
  return flusher;
};
