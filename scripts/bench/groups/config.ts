// The groups benchmark's loads and windows: full, or reduced with BENCH_QUICK=1.
import { QUICK } from "../lib/env.ts";

export const CONFIG = {
  /** Each call's provider delay (processing_agent.process_payment with payment "hang"). */
  action: { hangMs: 25 },
  /** The group: processing agents, scaling on calls in flight per member. */
  group: { min: 1, max: 8, scale: { on: "in_flight", target: 4, cooldownMs: 5_000 } },
  /** Before the step: this many closed-loop clients (well under the target). */
  baseline: { clients: 1, ms: QUICK ? 3_000 : 5_000 },
  /** The load step: this many closed-loop clients at once. */
  step: { clients: 64, ms: QUICK ? 25_000 : 45_000 },
  /** After the step: back to this many clients while the group drains back to min. */
  cooldown: { clients: 1, ms: QUICK ? 40_000 : 60_000 },
  /** How often the group's view is read. */
  pollMs: 250,
};
