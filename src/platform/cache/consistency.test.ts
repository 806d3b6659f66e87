import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EVENTUAL_MAX_STALENESS_MS, judgeCopy, readOptionsSchema, stalenessBound } from "./consistency.ts";
import type { CacheCopy } from "./entry.ts";

const copy = (over: Partial<CacheCopy> = {}): CacheCopy => ({ value: "1", version: 10, writtenAt: 1_000, expiresAt: 100_000, asOf: 1_000, ...over });

describe("stalenessBound", () => {
  it("strong takes no copy, eventual up to its bound, bounded up to the caller's", () => {
    expect(stalenessBound({ consistency: "strong" })).toBeNull();
    expect(stalenessBound({})).toBe(EVENTUAL_MAX_STALENESS_MS);
    expect(stalenessBound({ consistency: "eventual" })).toBe(EVENTUAL_MAX_STALENESS_MS);
    expect(stalenessBound({ consistency: "bounded", maxStalenessMs: 250 })).toBe(250);
  });
});

describe("readOptionsSchema", () => {
  it("requires maxStalenessMs with bounded and refuses it otherwise, naming the field", () => {
    const paths = (input: unknown) => {
      const parsed = readOptionsSchema.safeParse(input);
      return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join("."));
    };
    expect(paths({ consistency: "bounded" })).toEqual(["maxStalenessMs"]);
    expect(paths({ consistency: "strong", maxStalenessMs: "5" })).toEqual(["maxStalenessMs"]);
    expect(paths({ consistency: "bounded", maxStalenessMs: "-1" })).toEqual(["maxStalenessMs"]);
    expect(paths({ consistency: "sometimes" })).toEqual(["consistency"]);
    expect(readOptionsSchema.parse({ consistency: "bounded", maxStalenessMs: "5" })).toEqual({ consistency: "bounded", maxStalenessMs: 5 });
  });
});

describe("judgeCopy", () => {
  it("uses a young copy, refuses an old, expired or superseded one", () => {
    expect(judgeCopy(copy(), 1_500, 0, 1_000)).toBe("use");
    expect(judgeCopy(copy(), 2_000, 0, 1_000)).toBe("stale");
    expect(judgeCopy(copy({ expiresAt: 1_500 }), 1_500, 0, 1_000)).toBe("expired");
    expect(judgeCopy(copy(), 1_500, 11, 1_000)).toBe("superseded");
    expect(judgeCopy(copy(), 1_000, 0, 0)).toBe("stale");
  });

  it("never lets a bound take a copy older than the bound, an expired one or one below the floor", () => {
    fc.assert(
      fc.property(
        fc.record({
          version: fc.integer({ min: 1, max: 1_000 }),
          asOf: fc.integer({ min: 0, max: 1e6 }),
          expiresAt: fc.integer({ min: 0, max: 2e6 }),
        }),
        fc.integer({ min: 0, max: 2e6 }),
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 0, max: 1e6 }),
        (c, now, floor, bound) => {
          const verdict = judgeCopy(copy({ ...c, writtenAt: 0 }), now, floor, bound);
          if (verdict === "use") {
            expect(now - c.asOf).toBeLessThan(bound);
            expect(c.version).toBeGreaterThanOrEqual(floor);
            expect(c.expiresAt).toBeGreaterThan(now);
          }
        },
      ),
    );
  });
});
