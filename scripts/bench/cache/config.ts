// The cache benchmark's counts and time bounds: full, or reduced with BENCH_QUICK=1. The Zipf
// workload runs a warm-up, then a measured phase, each bounded in reads and in time.
import { QUICK } from "../lib/env.ts";

export const CONFIG = QUICK
  ? { keys: 50, concurrency: 8, readMs: 2_000, rounds: 2, zipf: { keys: 100_000, concurrency: 8, warmup: { reads: 2_000, ms: 10_000 }, measured: { reads: 2_000, ms: 10_000 } }, visibility: { samples: 4, pollMs: 5, maxMs: 5_000 } }
  : { keys: 200, concurrency: 8, readMs: 4_000, rounds: 4, zipf: { keys: 100_000, concurrency: 8, warmup: { reads: 30_000, ms: 120_000 }, measured: { reads: 20_000, ms: 60_000 } }, visibility: { samples: 8, pollMs: 5, maxMs: 10_000 } };
