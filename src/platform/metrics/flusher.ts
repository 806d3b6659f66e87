// When a source ships its metric deltas: at once after a quiet period, else at most
// once per interval, as one trailing flush that takes everything recorded meanwhile
// (../trailing-run.ts, the span exporter's rhythm too). A source that stays busy ships
// less often: each flush armed within the interval lengthens the next one by an
// interval, up to BUSY_STRETCH intervals (15 s at the default 5 s), so a busy agent sends
// its aggregator a third of the calls, each carrying three times the deltas; a quiet
// interval starts again at one. `poke` never waits for the network: it answers the
// promise of a flush it armed (the Worker hands it to ctx.waitUntil, so the response is
// never held; an object just lets it run), or null when a flush is already armed or
// nothing is pending. A failed ship is reported and dropped: at most one batch of
// deltas is lost, never retried into a pile-up against an aggregator that is struggling.
// A source of gauges only (an object's own flusher, objects/metrics/watch.ts) sets
// `restateMs`: a run ships a tenant's batch only when it differs from the one last
// shipped or that one is restateMs old (before the aggregator expires it), `flush()` (an
// object's alarm) included: agents' alarms also fire for idempotency expiry, schedules and
// outbox retries, and each restating its gauges was an aggregator call and its SQL.
import { createTrailingRun } from "../trailing-run.ts";
import type { MetricsCollector } from "./collector.ts";
import type { MetricBatch } from "./series.ts";

/** The longest interval of a source busy through each, in flush intervals. */
export const BUSY_STRETCH = 3;

export type FlusherOptions = {
  collector: MetricsCollector;
  ship: (batches: Map<string, MetricBatch>) => Promise<void>;
  intervalMs: number;
  /** BUSY_STRETCH unless given (1: every interval, busy or not). */
  maxStretch?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onError?: (error: unknown) => void;
  /** Skip gauge-only batches unchanged since the last ship, until they are this old (ms). */
  restateMs?: number;
  /** A flush due at once still waits a timer tick (sampled gauges then read the call that recorded as finished). */
  deferred?: boolean;
};

export type Flusher = {
  /** Arms a flush if deltas are pending (or `force`) and none is armed; answers its promise, else null. */
  poke(force?: boolean): Promise<void> | null;
  /** Ships whatever is pending now (and the sampled gauges, unless restateMs skips them), whatever the interval. */
  flush(): Promise<void>;
};

/** Only a gauge-only batch may be skipped: deltas are never held back. */
const gaugesOnly = (batch: MetricBatch): boolean => batch.counters.length === 0 && batch.histograms.length === 0;

export const createFlusher = (options: FlusherOptions): Flusher => {
  const now = options.now ?? Date.now;
  const { restateMs } = options;
  /** Per tenant, the gauge-only batch last shipped and when. */
  const shipped = new Map<string, { json: string; at: number }>();
  const trailing = createTrailingRun({
    intervalMs: options.intervalMs,
    maxStretch: options.maxStretch ?? BUSY_STRETCH,
    ...(options.deferred ? { deferred: true } : {}),
    now,
    ...(options.sleep ? { sleep: options.sleep } : {}),
    run: async () => {
      const batches = options.collector.take();
      const stated = new Map<string, string>();
      if (restateMs !== undefined) {
        const at = now();
        for (const tenant of shipped.keys()) if (!batches.has(tenant)) shipped.delete(tenant);
        for (const [tenant, batch] of batches) {
          if (!gaugesOnly(batch)) continue;
          const json = JSON.stringify(batch);
          const last = shipped.get(tenant);
          if (last && last.json === json && at - last.at < restateMs) batches.delete(tenant);
          else stated.set(tenant, json);
        }
      }
      if (batches.size === 0) return;
      try {
        await options.ship(batches);
        const at = now();
        for (const [tenant, json] of stated) shipped.set(tenant, { json, at });
      } catch (error) {
        options.onError?.(error);
      }
    },
  });
  return {
    poke: (force = false) => (force || options.collector.pending() ? trailing.request() : null),
    flush: () => trailing.runNow(),
  };
};
