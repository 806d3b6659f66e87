// The agent benchmark's counts and bounds: full, or reduced with BENCH_QUICK=1.
import { QUICK } from "../lib/env.ts";

export const CONFIG = QUICK
  ? {
      warm: { agents: 100, concurrency: 16, rounds: 2, roundMs: 2_000, roundMaxCount: 50_000, warmupMs: 2_000 },
      cold: { agents: 50 },
      spawn: { count: 1_000, concurrency: 32, chunks: 2, chunkMaxMs: 120_000 },
      burst: { count: 1_000, concurrency: 32, maxMs: 300_000, directoryWaitMs: 60_000 },
    }
  : {
      warm: { agents: 100, concurrency: 16, rounds: 5, roundMs: 3_000, roundMaxCount: 100_000, warmupMs: 5_000 },
      cold: { agents: 200 },
      spawn: { count: 10_000, concurrency: 32, chunks: 5, chunkMaxMs: 300_000 },
      burst: { count: 10_000, concurrency: 32, maxMs: 900_000, directoryWaitMs: 120_000 },
    };

/** Bounds of the setup work (spawning the agents measured, checking totals), which must succeed completely. */
export const SETUP_CONCURRENCY = 16;
export const SETUP_MAX_MS = 120_000;

/**
 * The client policy of the spawn burst: what a plain client does without knowing the
 * platform, retry an overload answer every 200 ms, up to 20 attempts in all. The platform
 * answers overload as 503 or 429 (a 500 is an error of its own, not retried); the bare
 * object passes the runtime's faults on as 500 (SQLITE_NOMEM, "internal error"), so its
 * client retries those too: otherwise bare's figure would be the time to fail a third of
 * its spawns, not to do the same storage work.
 */
export const PLAIN_CLIENT = { retryStatuses: { platform: [429, 503], bare: [429, 500, 503] }, retryEveryMs: 200, attempts: 20 } as const;
