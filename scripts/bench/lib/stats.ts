// Figures: percentiles, bounded closed-loop load, and formatting; and the sleep of paced loops.

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when empty. */
export const percentile = (samples: ArrayLike<number>, p: number): number => {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
};

export type LoadResult = {
  issued: number;
  ok: number;
  errors: number;
  /** The first few failures, as "status body". */
  firstErrors: string[];
  /** Latencies of successful requests, ms. */
  latencies: number[];
  elapsedMs: number;
  /** Whether the time bound (rather than the count) ended the run. */
  timedOut: boolean;
  /** Requests slower than `slowMs`: when they started (ms after the run started) and how long they took. */
  slow: { startedAt: number; ms: number }[];
};

export type Outcome = { ok: boolean; ms: number; error?: string };

/**
 * Closed-loop load: `concurrency` workers issue `op(i)` for i = 0, 1, ... until `maxCount`
 * requests were issued or `maxMs` elapsed (no new request starts after that; each request
 * is itself bounded by the client's timeout). Stops by itself.
 */
export const closedLoop = async (options: {
  concurrency: number;
  maxCount: number;
  maxMs: number;
  op: (i: number) => Promise<Outcome>;
  keepErrors?: number;
  slowMs?: number;
}): Promise<LoadResult> => {
  const result: LoadResult = { issued: 0, ok: 0, errors: 0, firstErrors: [], latencies: [], elapsedMs: 0, timedOut: false, slow: [] };
  const slowMs = options.slowMs ?? 1_000;
  const started = performance.now();
  const deadline = started + options.maxMs;
  const worker = async () => {
    while (result.issued < options.maxCount) {
      if (performance.now() >= deadline) {
        result.timedOut = true;
        return;
      }
      const i = result.issued++;
      const startedAt = performance.now() - started;
      let outcome: Outcome;
      try {
        outcome = await options.op(i);
      } catch (error) {
        outcome = { ok: false, ms: 0, error: `thrown: ${error instanceof Error ? error.message : String(error)}` };
      }
      if (outcome.ms >= slowMs && result.slow.length < 10_000) result.slow.push({ startedAt, ms: outcome.ms });
      if (outcome.ok) {
        result.ok++;
        result.latencies.push(outcome.ms);
      } else {
        result.errors++;
        if (result.firstErrors.length < (options.keepErrors ?? 5)) result.firstErrors.push(outcome.error ?? "unknown error");
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  result.elapsedMs = performance.now() - started;
  return result;
};

/** Merges results of several rounds of the same measurement. */
export const mergeResults = (results: readonly LoadResult[]): LoadResult => ({
  issued: results.reduce((n, r) => n + r.issued, 0),
  ok: results.reduce((n, r) => n + r.ok, 0),
  errors: results.reduce((n, r) => n + r.errors, 0),
  firstErrors: results.flatMap((r) => r.firstErrors).slice(0, 5),
  latencies: results.flatMap((r) => r.latencies),
  elapsedMs: results.reduce((n, r) => n + r.elapsedMs, 0),
  timedOut: results.some((r) => r.timedOut),
  slow: results.flatMap((r) => r.slow),
});

export const fmt = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
export const fmtInt = (value: number): string => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a");
export const ratio = (platform: number, bare: number): number => (bare > 0 ? platform / bare : Number.NaN);

export const markdownTable = (header: readonly string[], rows: readonly (readonly string[])[]): string =>
  [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
