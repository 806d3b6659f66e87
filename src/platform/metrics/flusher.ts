// When a source ships its metric deltas: at once after a quiet period, else at most
// once per interval, as one trailing flush that takes everything recorded meanwhile.
// `poke` never waits for the network: it answers the promise of a flush it armed (the
// Worker hands it to ctx.waitUntil, so the response is never held; an object just lets
// it run), or null when a flush is already armed or nothing is pending. A failed ship
// is reported and dropped: at most one batch of deltas is lost, never retried into a
// pile-up against an aggregator that is struggling.
import type { MetricsCollector } from "./collector.ts";
import type { MetricBatch } from "./series.ts";

export type FlusherOptions = {
  collector: MetricsCollector;
  ship: (batches: Map<string, MetricBatch>) => Promise<void>;
  intervalMs: number;
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
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let armed = false;
  let last = -Infinity;
  const flush = async (): Promise<void> => {
    last = now();
    const batches = options.collector.take();
    if (batches.size === 0) return;
    try {
      await options.ship(batches);
    } catch (error) {
      options.onError?.(error);
    }
  };
  return {
    poke() {
      if (armed || !options.collector.pending()) return null;
      armed = true;
      const wait = Math.max(0, last + options.intervalMs - now());
      return (async () => {
        try {
          if (wait > 0) await sleep(wait);
        } finally {
          armed = false;
        }
        await flush();
      })();
    },
    flush,
  };
};
