import { describe, expect, it } from "vitest";
import { bindingCacheKey, DEFAULT_DISCOVERY_STALENESS_MS, discoveryStalenessMs, normalizedRequirement } from "./binding-cache.ts";
import type { Near } from "./score.ts";

const nowhere: Near = { locationHint: null, jurisdiction: null };
const base = { types: ["processing_agent", "extra"], constraints: { region: ["us", "eu"], tier: "gold" }, strategy: "global", min_count: 2, limit: 14 };

describe("a binding requirement's cache key", () => {
  it("is the same for the same requirement written in another order: types, constraint keys, a list constraint's members", async () => {
    const reordered = { limit: 14, min_count: 2, strategy: "global", constraints: { tier: "gold", region: ["eu", "us", "us"] }, types: ["extra", "processing_agent"] };
    expect(normalizedRequirement(reordered, nowhere)).toBe(normalizedRequirement(base, nowhere));
    expect(await bindingCacheKey(reordered, nowhere)).toBe(await bindingCacheKey(base, nowhere));
    expect(await bindingCacheKey(base, nowhere)).toMatch(/^v1\.[0-9a-f]{64}$/);
  });

  it("differs whenever the answer could: types, capability, constraints, strategy, min_count, limit, where the caller is", async () => {
    const variants = [
      { ...base, types: ["processing_agent"] },
      { ...base, type: "processing_agent" },
      { ...base, capability: "processing" },
      { ...base, constraints: { region: "us", tier: "gold" } },
      { ...base, constraints: { region: ["us", "eu"], tier: "silver" } },
      { ...base, strategy: "adaptive" },
      { ...base, min_count: 3 },
      { ...base, limit: 15 },
    ];
    const keys = new Set([await bindingCacheKey(base, nowhere), await bindingCacheKey(base, { locationHint: "weur", jurisdiction: null })]);
    for (const variant of variants) keys.add(await bindingCacheKey(variant, nowhere));
    expect(keys.size).toBe(variants.length + 2);
  });
});

describe("the staleness bound", () => {
  it("takes 0-60000 ms from the var, else the default", () => {
    expect(discoveryStalenessMs("0")).toBe(0);
    expect(discoveryStalenessMs("5000")).toBe(5_000);
    for (const bad of [undefined, "", "-1", "1.5", "60001", "soon"]) expect(discoveryStalenessMs(bad)).toBe(DEFAULT_DISCOVERY_STALENESS_MS);
  });
});

describe("bindingCacheKey, computed once per normalized text", () => {
  it("answers the SHA-256 of the normalized text the first time and every time after", async () => {
    const requirement = { type: "memo_agent", constraints: { region: "us" }, strategy: "adaptive", min_count: 1, limit: 5 };
    const near = { locationHint: null, jurisdiction: null };
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(normalizedRequirement(requirement, near)));
    const expected = `v1.${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
    expect(await bindingCacheKey(requirement, near)).toBe(expected);
    expect(await bindingCacheKey({ ...requirement, constraints: { region: "us" } }, near)).toBe(expected);
    expect(await bindingCacheKey({ ...requirement, limit: 6 }, near)).not.toBe(expected);
  });
});
