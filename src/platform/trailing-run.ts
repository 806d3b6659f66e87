// "Armed, at most once per interval": the rhythm both the metrics flusher
// (metrics/flusher.ts) and the span exporter (telemetry/export-schedule.ts) ship on. A
// request runs the work at once after a quiet period, else arms one trailing run at the
// end of the interval that takes everything gathered meanwhile; while one is armed,
// requests answer null (their work rides along). Only the request that armed a run holds
// its promise (a Worker hands it to waitUntil): nothing waits on a run another request's
// I/O settles, which workerd cancels as hung. `maxStretch` (metrics) lets a source that
// stays busy ship less often: each run armed before the interval since the last one had
// passed lengthens the next interval by one more interval, up to `maxStretch` intervals;
// a request after a quiet interval starts again at one. A lost run still loses one batch.
// A run whose context went away before its timer fired (an evicted object armed it)
// never settles: a request finding the armed run overdue by more than an interval takes
// it for lost and arms a new one (the lost run, should it ever wake, does nothing), so
// one lost context never stops the runs of everyone sharing this rhythm.
export type TrailingRun = {
  /** Runs now after a quiet period, else arms a run unless one is armed; answers its promise (for waitUntil), else null. */
  request(): Promise<void> | null;
  /** Runs now, whatever the interval (an object's alarm); the interval counts from here. */
  runNow(): Promise<void>;
};

export type TrailingRunOptions = {
  /** The work; must not reject (report failures inside). */
  run: () => Promise<void>;
  intervalMs: number;
  /** The longest interval, in intervals, for a source busy through each (1: no stretching). */
  maxStretch?: number;
  /** A run due at once still waits one timer tick, so it sees the state after the call that requested it settled. */
  deferred?: boolean;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

export const createTrailingRun = (options: TrailingRunOptions): TrailingRun => {
  if (!Number.isFinite(options.intervalMs) || options.intervalMs < 0) throw new RangeError("intervalMs must be a finite number >= 0");
  const maxStretch = options.maxStretch ?? 1;
  if (!Number.isInteger(maxStretch) || maxStretch < 1) throw new RangeError("maxStretch must be an integer >= 1");
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let armed = false;
  /** When the armed run is due, and which arming it is (a superseded one does nothing). */
  let due = 0;
  let generation = 0;
  let last = -Infinity;
  let stretch = 1;
  const runNow = async (): Promise<void> => {
    last = now();
    await options.run();
  };
  return {
    request() {
      const at = now();
      if (armed && at <= due + Math.max(options.intervalMs, 1)) return null;
      armed = true;
      const mine = ++generation;
      const wait = last + options.intervalMs * stretch - at;
      due = at + Math.max(wait, 0);
      // Busy (asked again within the interval): the run after this one waits longer.
      stretch = wait > 0 ? Math.min(stretch + 1, maxStretch) : 1;
      return (async () => {
        try {
          if (wait > 0 || options.deferred) await sleep(Math.max(wait, 0));
        } finally {
          // Disarmed before the run starts: work gathered while it runs arms the next one.
          if (mine === generation) armed = false;
        }
        if (mine === generation) await runNow();
      })();
    },
    runNow,
  };
};
