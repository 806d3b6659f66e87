// The isolate's one collector for the counters and histograms its objects record: every
// agent, stream and coordinator of an isolate adds to it, so a type's actions from many
// agents merge into one row per tenant, shipped once per interval per isolate (source
// `isolate:<random>`) rather than once per object. Whichever object records arms the
// trailing flush in its own context (stubs are made inside the flush, see ship.ts) and
// just lets it run; if that object is evicted before its timer fires, a later record
// takes the overdue run for lost and arms another (../../src/platform/trailing-run.ts).
// The deltas stay in the collector until a run takes them: a lost flush loses at most the
// one batch it had taken. Gauges stay per object (watch.ts).
import { createMetricsCollector, type MetricsCollector } from "../../src/platform/metrics/collector.ts";
import { createFlusher, type Flusher } from "../../src/platform/metrics/flusher.ts";
import { flushInterval } from "../../src/platform/metrics/shards.ts";
import { createLogger } from "../../src/platform/telemetry/logger.ts";
import { shipBatches } from "./ship.ts";

const log = createLogger({ base: { component: "metrics" } });

export type IsolateMetrics = { collector: MetricsCollector; poke(env: Env): void };

let shared: IsolateMetrics | null = null;

/** The isolate's collector, made by the first object that asks (random ids are not allowed at module load). */
export const isolateMetrics = (env: Env): IsolateMetrics => {
  if (shared) return shared;
  const source = `isolate:${crypto.randomUUID()}`;
  const collector = createMetricsCollector({ kinds: "deltas" });
  // The env of the last object to record: bindings are the same across the isolate's objects.
  let latest = env;
  const flusher: Flusher = createFlusher({
    collector,
    intervalMs: flushInterval(env.JIDO_METRICS_FLUSH_MS),
    ship: (batches) => shipBatches(latest, source, batches),
    onError: (error) => log.warn("metrics flush failed; its batch is dropped", { error: error instanceof Error ? error.message : String(error) }),
  });
  shared = {
    collector,
    poke(env) {
      latest = env;
      void flusher.poke();
    },
  };
  return shared;
};
