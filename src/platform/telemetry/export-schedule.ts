// When an isolate exports its ended spans: at once after a quiet period, else at most
// once per interval, as one trailing export that takes every span ended meanwhile (the
// same rhythm as the metrics flusher). Why not an export per traced request: under load
// that was one OTLP request (serialization and a fetch) per sampled request, and the
// exports of concurrent requests queued behind each other. Why not one shared flush that
// every request awaits: in workerd a request that waits on a promise only another
// request's I/O settles is cancelled as hung ("Promise will never complete"), and a flush
// kept going by a steady stream of requests outlived its request's waitUntil. Here only
// the request that armed the export holds it (its waitUntil); the others get null and
// their spans ride along.
export type ExportSchedule = {
  /** Arms an export unless one is armed; answers its promise (for waitUntil), else null. */
  request(): Promise<void> | null;
};

export type ExportScheduleOptions = {
  /** Exports what has ended so far; must not reject. */
  run: () => Promise<void>;
  intervalMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

export const createExportSchedule = (options: ExportScheduleOptions): ExportSchedule => {
  if (!Number.isFinite(options.intervalMs) || options.intervalMs < 0) throw new RangeError("intervalMs must be a finite number >= 0");
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let armed = false;
  let last = -Infinity;
  return {
    request() {
      if (armed) return null;
      armed = true;
      const wait = Math.max(0, last + options.intervalMs - now());
      return (async () => {
        try {
          if (wait > 0) await sleep(wait);
        } finally {
          // Disarmed before the export starts: spans ended while it runs arm the next one.
          armed = false;
          last = now();
        }
        await options.run();
      })();
    },
  };
};
