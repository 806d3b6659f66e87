import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideSampling, DEFAULT_SAMPLE_RATE, parseSampleRate, withinRate } from "./sampling.ts";

const traceIds = fc.stringMatching(/^[0-9a-f]{32}$/);
const rates = fc.double({ min: 0, max: 1, noNaN: true });

describe("parseSampleRate", () => {
  it("takes 0 to 1, and the default for empty or malformed values", () => {
    expect(parseSampleRate("0")).toEqual({ rate: 0, invalid: false });
    expect(parseSampleRate(" 0.25 ")).toEqual({ rate: 0.25, invalid: false });
    expect(parseSampleRate("1")).toEqual({ rate: 1, invalid: false });
    expect(parseSampleRate(undefined)).toEqual({ rate: DEFAULT_SAMPLE_RATE, invalid: false });
    expect(parseSampleRate("")).toEqual({ rate: DEFAULT_SAMPLE_RATE, invalid: false });
    for (const bad of ["1.5", "-0.1", "ten", "NaN", "Infinity"]) expect(parseSampleRate(bad)).toEqual({ rate: DEFAULT_SAMPLE_RATE, invalid: true });
  });
});

describe("withinRate", () => {
  it("never at 0, always at 1, and monotone in the rate", () => {
    fc.assert(
      fc.property(traceIds, rates, rates, (traceId, a, b) => {
        expect(withinRate(traceId, 0)).toBe(false);
        expect(withinRate(traceId, 1)).toBe(true);
        const [low, high] = a <= b ? [a, b] : [b, a];
        if (withinRate(traceId, low)) expect(withinRate(traceId, high)).toBe(true);
      }),
    );
  });

  it("keeps about the rate's share of random traces", () => {
    const ids = fc.sample(traceIds, { numRuns: 4000, seed: 7 });
    const kept = ids.filter((id) => withinRate(id, 0.25)).length / ids.length;
    expect(kept).toBeGreaterThan(0.2);
    expect(kept).toBeLessThan(0.3);
  });
});

describe("decideSampling", () => {
  const traceId = "0af7651916cd43dd8448eb211c80319c";

  it("a root uses the platform rate, or the agent type's when it has one", () => {
    expect(decideSampling({ traceId, parent: null, platformRate: 0, ownRate: undefined })).toEqual({ sampled: false, decidedBy: "p" });
    expect(decideSampling({ traceId, parent: null, platformRate: 1, ownRate: undefined })).toEqual({ sampled: true, decidedBy: "p" });
    expect(decideSampling({ traceId, parent: null, platformRate: 1, ownRate: 0 })).toEqual({ sampled: false, decidedBy: "t" });
    expect(decideSampling({ traceId, parent: null, platformRate: 0, ownRate: 1 })).toEqual({ sampled: true, decidedBy: "t" });
  });

  it("a parent's decision holds, except a platform default meeting an agent type's own rate", () => {
    fc.assert(
      fc.property(traceIds, fc.boolean(), rates, fc.option(rates, { nil: undefined }), fc.constantFrom(null, "t" as const), (id, sampled, platformRate, ownRate, decidedBy) => {
        // An external caller's decision (no marker) or an agent type's is final.
        expect(decideSampling({ traceId: id, parent: { sampled, decidedBy }, platformRate, ownRate })).toEqual({ sampled, decidedBy });
      }),
    );
    expect(decideSampling({ traceId, parent: { sampled: false, decidedBy: "p" }, platformRate: 0, ownRate: 1 })).toEqual({ sampled: true, decidedBy: "t" });
    expect(decideSampling({ traceId, parent: { sampled: true, decidedBy: "p" }, platformRate: 1, ownRate: 0 })).toEqual({ sampled: false, decidedBy: "t" });
    expect(decideSampling({ traceId, parent: { sampled: true, decidedBy: "p" }, platformRate: 1, ownRate: undefined })).toEqual({ sampled: true, decidedBy: "p" });
  });
});
