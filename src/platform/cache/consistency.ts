// The read side's decisions: which consistency a read asks for, how stale a copy it may
// take, and whether a copy some tier holds may answer it. One rule serves every mode:
// a copy answers when it has not expired, is not older than a version this isolate has
// already seen (its version floor, so reads never go back in time after a write or
// delete seen here), and its `asOf` is younger than the mode's bound. `strong` takes no
// copy at all; `eventual` takes copies up to EVENTUAL_MAX_STALENESS_MS behind the
// origin; `bounded` up to the caller's `maxStalenessMs`.
import { z } from "zod";
import type { CacheCopy } from "./entry.ts";
import { isExpired } from "./entry.ts";

export const CONSISTENCY_MODES = ["eventual", "strong", "bounded"] as const;
export type Consistency = (typeof CONSISTENCY_MODES)[number];

/** How far behind the origin an `eventual` read may be: a copy older than this is refreshed from below. */
export const EVENTUAL_MAX_STALENESS_MS = 60_000;
/** The largest bound `bounded` accepts (a day): beyond it no tier keeps copies anyway. */
export const MAX_STALENESS_MS = 86_400_000;

export type ReadOptions = { consistency?: Consistency | undefined; maxStalenessMs?: number | undefined };

export const readOptionsSchema = z
  .object({
    consistency: z.enum(CONSISTENCY_MODES).optional(),
    maxStalenessMs: z.coerce.number().int("must be a whole number of milliseconds").min(0).max(MAX_STALENESS_MS).optional(),
  })
  .superRefine((options, ctx) => {
    if (options.consistency === "bounded" && options.maxStalenessMs === undefined) {
      ctx.addIssue({ code: "custom", path: ["maxStalenessMs"], message: "is required with consistency=bounded" });
    }
    if (options.consistency !== "bounded" && options.maxStalenessMs !== undefined) {
      ctx.addIssue({ code: "custom", path: ["maxStalenessMs"], message: "is only taken with consistency=bounded" });
    }
  });

/** The staleness a read accepts in ms, or null when only the origin may answer (strong). */
export const stalenessBound = (options: ReadOptions): number | null => {
  switch (options.consistency ?? "eventual") {
    case "strong":
      return null;
    case "bounded":
      return options.maxStalenessMs ?? 0;
    case "eventual":
      return EVENTUAL_MAX_STALENESS_MS;
  }
};

export type Verdict = "use" | "expired" | "superseded" | "stale";

/** Whether a tier's copy may answer a read with this bound, seen by an isolate whose version floor is `floor`. */
export const judgeCopy = (copy: CacheCopy, now: number, floor: number, bound: number): Verdict => {
  if (isExpired(copy, now)) return "expired";
  if (copy.version < floor) return "superseded";
  // Strictly younger than the bound: a bound of 0 never takes a copy.
  return now - copy.asOf < bound ? "use" : "stale";
};
