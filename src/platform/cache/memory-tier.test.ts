import { describe, expect, it } from "vitest";
import type { CacheCopy } from "./entry.ts";
import { createMemoryTier, DEFAULT_L1_MAX_BYTES, l1MaxBytes } from "./memory-tier.ts";

const copy = (version: number, value = "1", asOf = version): CacheCopy => ({ value, version, writtenAt: version, expiresAt: 1e15, asOf });

describe("memory tier (L1)", () => {
  it("stays within its byte budget, evicting the least recently used", () => {
    const tier = createMemoryTier(10_000);
    for (let i = 0; i < 100; i++) tier.set(`t/ns/k${i}`, copy(1, "x".repeat(500)));
    expect(tier.bytes()).toBeLessThanOrEqual(10_000);
    expect(tier.get("t/ns/k99")).toBeDefined();
    expect(tier.get("t/ns/k0")).toBeUndefined();
  });

  it("never replaces a newer version with an older copy, and keeps the floor", () => {
    const tier = createMemoryTier(10_000);
    tier.set("a", copy(5));
    tier.set("a", copy(3));
    expect(tier.get("a")?.version).toBe(5);
    tier.set("a", copy(5, "1", 9));
    expect(tier.get("a")?.asOf).toBe(9);
    tier.delete("a");
    expect(tier.get("a")).toBeUndefined();
    expect(tier.floor("a")).toBe(5);
    tier.raise("a", 4);
    expect(tier.floor("a")).toBe(5);
  });

  it("holds nothing when its budget is 0, but still keeps floors", () => {
    const tier = createMemoryTier(0);
    tier.set("a", copy(2));
    expect(tier.get("a")).toBeUndefined();
    expect(tier.floor("a")).toBe(2);
  });

  it("reads its budget from the var", () => {
    expect(l1MaxBytes(undefined)).toBe(DEFAULT_L1_MAX_BYTES);
    expect(l1MaxBytes("")).toBe(DEFAULT_L1_MAX_BYTES);
    expect(l1MaxBytes("0")).toBe(0);
    expect(l1MaxBytes("1024")).toBe(1024);
    expect(l1MaxBytes("-1")).toBe(DEFAULT_L1_MAX_BYTES);
    expect(l1MaxBytes("lots")).toBe(DEFAULT_L1_MAX_BYTES);
  });
});
