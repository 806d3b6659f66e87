import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DirectoryEntry } from "./entry.ts";
import { entry } from "./entry-fixture.ts";
import { capabilityScore, localityScore, matchEntry, type Near, tierOf } from "./score.ts";

const nowhere: Near = { locationHint: null, jurisdiction: null };

describe("capabilityScore", () => {
  it("is 1 for a declared name, 0 for an undeclared or false one, 1 without a requirement", () => {
    expect(capabilityScore("processing", { processing: ["orders"] })).toBe(1);
    expect(capabilityScore("counting", { processing: ["orders"] })).toBe(0);
    expect(capabilityScore("counting", { counting: false })).toBe(0);
    expect(capabilityScore(undefined, {})).toBe(1);
  });

  it("counts the fraction of wanted values provided, from a list or a scalar", () => {
    expect(capabilityScore({ name: "processing", values: ["orders", "refunds"] }, { processing: ["orders", "payments"] })).toBe(0.5);
    expect(capabilityScore({ name: "processing", values: ["refunds"] }, { processing: ["orders"] })).toBe(0);
    expect(capabilityScore({ name: "region", values: ["us", "eu"] }, { region: "us" })).toBe(0.5);
  });

  it("is always within [0, 1]", () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean());
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 8 }), fc.array(value, { maxLength: 8 }), (wanted, offered) => {
        const score = capabilityScore({ name: "x", values: wanted }, { x: offered });
        return score >= 0 && score <= 1;
      }),
    );
  });
});

describe("matchEntry", () => {
  it("filters by status, type, capability and constraints on labels and load figures", () => {
    const request = { constraints: {} };
    expect(matchEntry(entry(), request, nowhere)).not.toBeNull();
    expect(matchEntry(entry({ status: "paused" }), request, nowhere)).toBeNull();
    expect(matchEntry(entry(), { ...request, type: "counter" }, nowhere)).toBeNull();
    expect(matchEntry(entry(), { ...request, capability: "counting" }, nowhere)).toBeNull();
    expect(matchEntry(entry(), { constraints: { region: "eu" } }, nowhere)).toBeNull();
    expect(matchEntry(entry(), { constraints: { region: ["eu", "us"], tier: "gold" } }, nowhere)).not.toBeNull();
    expect(matchEntry(entry(), { constraints: { zone: "a" } }, nowhere)).toBeNull();
    const busy = entry({ load: { inFlight: 5, queueLength: 2, errorRate: 0.3, p50Ms: 40, windowCalls: 10 } });
    expect(matchEntry(busy, { constraints: { maxInFlight: 4 } }, nowhere)).toBeNull();
    expect(matchEntry(busy, { constraints: { maxErrorRate: 0.5, queueLength: { max: 2 }, maxP50Ms: 50 } }, nowhere)).not.toBeNull();
    // No latency measured yet: a bound on it cannot be verified, so it does not match.
    expect(matchEntry(entry(), { constraints: { maxP50Ms: 50 } }, nowhere)).toBeNull();
  });

  it("ranks by provided requirement, then health, then load, then locality", () => {
    const score = (e: DirectoryEntry, near = nowhere) => matchEntry(e, { capability: { name: "processing", values: ["orders", "refunds"] }, constraints: {} }, near);
    const full = entry({ capabilities: { processing: ["orders", "refunds"] } });
    const half = entry();
    expect(score(full)!.score).toBeGreaterThan(score(half)!.score);
    expect(score(half)!.parts).toEqual({ capability: 0.5, health: 1, load: 1, locality: 0 });
    const open = entry({ breaker: "open" });
    const busy = entry({ load: { inFlight: 3, queueLength: 0, errorRate: 0, p50Ms: 5, windowCalls: 3 } });
    expect(score(open)!.parts.health).toBe(0);
    expect(score(half)!.score).toBeGreaterThan(score(busy)!.score);
    expect(score(busy)!.score).toBeGreaterThan(score(open)!.score);
    const near: Near = { locationHint: "weur", jurisdiction: null };
    const local = entry({ placement: { locationHint: "weur", jurisdiction: null } });
    expect(score(local, near)!.score).toBeGreaterThan(score(half, near)!.score);
  });

  it("gives a total and parts within [0, 1] for any entry", () => {
    const arbitrary = fc.record({
      breaker: fc.constantFrom("closed" as const, "open" as const, "half_open" as const),
      inFlight: fc.nat(1000),
      queueLength: fc.nat(1000),
      errorRate: fc.double({ min: 0, max: 1, noNaN: true }),
      hint: fc.constantFrom(null, "weur" as const, "eeur" as const, "enam" as const),
    });
    fc.assert(
      fc.property(arbitrary, ({ breaker, inFlight, queueLength, errorRate, hint }) => {
        const scored = matchEntry(
          entry({ breaker, load: { inFlight, queueLength, errorRate, p50Ms: null, windowCalls: 1 }, placement: { locationHint: hint, jurisdiction: null } }),
          { constraints: {} },
          { locationHint: "weur", jurisdiction: "eu" },
        );
        if (!scored) return false;
        return [scored.score, ...Object.values(scored.parts)].every((n) => n >= 0 && n <= 1);
      }),
    );
  });
});

describe("tiers", () => {
  it("is local for the same hint, regional for the same region or jurisdiction, global otherwise", () => {
    const at = (locationHint: DirectoryEntry["placement"]["locationHint"], jurisdiction: DirectoryEntry["placement"]["jurisdiction"] = null) =>
      entry({ placement: { locationHint, jurisdiction } });
    const near: Near = { locationHint: "weur", jurisdiction: "eu" };
    expect(tierOf(at("weur"), near)).toBe(0);
    expect(tierOf(at("eeur"), near)).toBe(1);
    expect(tierOf(at(null, "eu"), near)).toBe(1);
    expect(tierOf(at("enam"), near)).toBe(2);
    expect(tierOf(at(null), near)).toBe(2);
    expect(tierOf(at("weur"), nowhere)).toBe(2);
    expect(localityScore(at("eeur"), near)).toBe(0.5);
  });
});
