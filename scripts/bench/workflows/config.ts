// The workflow benchmark's counts, bounds and the shape of the order run it measures:
// full, or reduced with BENCH_QUICK=1.
import { QUICK } from "../lib/env.ts";

export const CONFIG = QUICK
  ? {
      warmup: { runs: 20, concurrency: 4 },
      modes: { concurrencies: [16, 64], windowMs: 3_000, maxRuns: 5_000, finalMaxMs: 120_000, sweepMs: 250 },
      throughput: { concurrency: 16, ms: 5_000, maxRuns: 20_000, firstPollMs: 10, pollMs: 5 },
      overhead: { pairs: 40, block: 10, pollMs: 5, maxMs: 180_000, split: 20 },
      many: { runs: 100, concurrency: 32, startMaxMs: 120_000, finalMaxMs: 300_000, indexPollMs: 250, readConcurrency: 4, sample: 10 },
    }
  : {
      warmup: { runs: 50, concurrency: 8 },
      modes: { concurrencies: [16, 64], windowMs: 10_000, maxRuns: 20_000, finalMaxMs: 300_000, sweepMs: 250 },
      throughput: { concurrency: 16, ms: 20_000, maxRuns: 100_000, firstPollMs: 10, pollMs: 5 },
      overhead: { pairs: 200, block: 10, pollMs: 5, maxMs: 600_000, split: 50 },
      many: { runs: 1_000, concurrency: 32, startMaxMs: 300_000, finalMaxMs: 300_000, indexPollMs: 250, readConcurrency: 4, sample: 50 },
    };

/** The agents discovery-bound runs share (seed.ts): spread over several per role. */
export const SEEDS = { validators: 16, processors: 16, notifiers: 8 };

/** A run that is not final this long after its start counts as stuck (order runs take milliseconds). */
export const RUN_TIMEOUT_MS = 60_000;
/** Polls of one run, at most (with RUN_TIMEOUT_MS, bounds every wait). */
export const MAX_POLLS = 20_000;
/** Pages of the runs index read at most per listing. */
export const MAX_INDEX_PAGES = 100;
/** Attempts per start in phase 3 (the first + retries). */
export const START_ATTEMPTS = 4;

export const FINAL = new Set(["completed", "failed", "compensated", "cancelled", "timed_out"]);
/** The steps a successful order run executes, and the stages they run in (validate || inventory first). */
export const EXECUTED_STEPS = ["validate_order", "check_inventory", "process_payment", "fulfill_order", "send_confirmation"] as const;
export const STEPS = EXECUTED_STEPS.length;
export const STAGES = 4;
