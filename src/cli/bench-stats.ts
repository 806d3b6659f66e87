// `jido bench`'s figures from the latencies it measured: throughput over the wall time
// and nearest-rank percentiles (the value at or below which p% of the calls finished).

export type BenchSummary = {
  requests: number;
  ok: number;
  failed: number;
  /** Answers by HTTP status ("error" when no answer came). */
  statuses: Record<string, number>;
  seconds: number;
  rps: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
};

/** Nearest-rank percentile of ascending `sorted` values; null when there are none. */
export const percentile = (sorted: readonly number[], p: number): number | null => {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
};

const round = (value: number | null, digits = 1): number | null => (value === null ? null : Number(value.toFixed(digits)));

export const summarize = (samples: readonly { ms: number; status: string }[], elapsedMs: number): BenchSummary => {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  for (const sample of samples) statuses[sample.status] = (statuses[sample.status] ?? 0) + 1;
  const ok = samples.filter((s) => /^2\d\d$/.test(s.status)).length;
  return {
    requests: samples.length,
    ok,
    failed: samples.length - ok,
    statuses,
    seconds: round(elapsedMs / 1000, 3) ?? 0,
    rps: elapsedMs > 0 ? (round((samples.length * 1000) / elapsedMs) ?? 0) : 0,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.at(-1) ?? null),
  };
};
