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
};

export type Flusher = {
  /** Arms a flush if deltas are pending and none is armed; answers its promise, else null. */
  poke(): Promise<void> | null;
  /** Ships whatever is pending now (and the sampled gauges), whatever the interval. */
  flush(): Promise<void>;
};

export const createFlusher = (options: FlusherOptions): Flusher => {
  const trailing = createTrailingRun({
    intervalMs: options.intervalMs,
    maxStretch: options.maxStretch ?? BUSY_STRETCH,
    ...(options.now ? { now: options.now } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    run: async () => {
      const batches = options.collector.take();
      if (batches.size === 0) return;
      try {
        await options.ship(batches);
      } catch (error) {
        options.onError?.(error);
      }
    },
  });
  return {
    poke: () => (options.collector.pending() ? trailing.request() : null),
    flush: () => trailing.runNow(),
  };
};
