// The event benchmark's counts and bounds: full, or reduced with BENCH_QUICK=1.
import { availableParallelism } from "node:os";
import { QUICK } from "../lib/env.ts";

export const CORES = availableParallelism();

export const CONFIG = QUICK
  ? {
      publish: { concurrency: 16, streams: 16, batch: 10, rounds: 2, roundMs: 2_000, roundMaxCount: 50_000, warmupMs: 1_000 },
      latency: { events: 30, warmupEvents: 3, intervalMs: 50, eventTimeoutMs: 10_000, maxPolls: 2_000, maxMs: 120_000 },
      replay: { events: 10_000, batch: 1_000, fillConcurrency: 4, rounds: 1, page: 1_000, maxMs: 120_000 },
    }
  : {
      publish: { concurrency: 16, streams: 16, batch: 10, rounds: 5, roundMs: 3_000, roundMaxCount: 100_000, warmupMs: 3_000 },
      latency: { events: 200, warmupEvents: 5, intervalMs: 50, eventTimeoutMs: 10_000, maxPolls: 2_000, maxMs: 300_000 },
      replay: { events: 100_000, batch: 1_000, fillConcurrency: 4, rounds: 3, page: 1_000, maxMs: 300_000 },
    };

/** Bound of setup work (the replay stream's fill gets twice this). */
export const SETUP_MAX_MS = 120_000;
