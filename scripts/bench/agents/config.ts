// The agent benchmark's counts and bounds: full, or reduced with BENCH_QUICK=1.
import { QUICK } from "../lib/env.ts";

export const CONFIG = QUICK
  ? {
      warm: { agents: 100, concurrency: 16, rounds: 2, roundMs: 2_000, roundMaxCount: 50_000, warmupMs: 2_000 },
      cold: { agents: 50 },
      spawn: { count: 1_000, concurrency: 32, chunks: 2, chunkMaxMs: 120_000 },
    }
  : {
      warm: { agents: 100, concurrency: 16, rounds: 5, roundMs: 3_000, roundMaxCount: 100_000, warmupMs: 5_000 },
      cold: { agents: 200 },
      spawn: { count: 10_000, concurrency: 32, chunks: 5, chunkMaxMs: 300_000 },
    };

/** Bounds of the setup work (spawning the agents measured, checking totals), which must succeed completely. */
export const SETUP_CONCURRENCY = 16;
export const SETUP_MAX_MS = 120_000;
