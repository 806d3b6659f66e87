// The pool benchmark's counts and windows: full, or reduced with BENCH_QUICK=1.
import { QUICK } from "../lib/env.ts";

export const CONFIG = {
  /** Phase 1: acquire + release cycles on one pool at this concurrency (capacity = concurrency: no waiting). */
  throughput: { concurrency: 64, ms: QUICK ? 3_000 : 15_000 },
  /** Phase 2: clients per priority, each holding its lease `holdMs`, on a pool of `capacity`. */
  overload: { capacity: 4, clientsPerPriority: 8, holdMs: 20, ms: QUICK ? 4_000 : 20_000 },
  /** Phase 3: requesters and their weights, clients each, on a pool of `capacity`; grants before `warmupMs` not counted. */
  shares: { capacity: 4, weights: { "bench-a": 1, "bench-b": 2, "bench-c": 1 } as Record<string, number>, clientsEach: 12, holdMs: 20, warmupMs: 1_000, ms: QUICK ? 5_000 : 20_000 },
  /** Every acquire may wait this long (the maximum) before the pool answers 503. */
  timeoutMs: 60_000,
};
