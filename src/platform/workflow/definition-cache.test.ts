import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createDefinitionCache } from "./definition-cache.ts";
import type { WorkflowDefinition } from "./definition.ts";

const def = (name: string, version: string) => ({ name, version }) as unknown as WorkflowDefinition;

describe("the definition cache", () => {
  it("answers a version seen, per tenant, and nothing for a version or tenant not seen", () => {
    const cache = createDefinitionCache();
    cache.remember("t1", "order", [def("order", "1.0.0"), def("order", "1.1.0")], 0);
    expect(cache.definition("t1", "order", "1.1.0")).toEqual(def("order", "1.1.0"));
    expect(cache.definition("t1", "order", "2.0.0")).toBeUndefined();
    expect(cache.definition("t2", "order", "1.0.0")).toBeUndefined();
  });

  it("keeps a workflow's version list for versionsTtlMs only, and forgets it when a version is registered", () => {
    const cache = createDefinitionCache({ versionsTtlMs: 2_000 });
    const versions = [def("order", "1.0.0")];
    cache.remember("t", "order", versions, 10_000);
    expect(cache.versions("t", "order", 11_999)).toBe(versions);
    expect(cache.versions("t", "order", 12_000)).toBeUndefined();
    cache.remember("t", "order", versions, 20_000);
    cache.forgetVersions("t", "order");
    expect(cache.versions("t", "order", 20_001)).toBeUndefined();
    // The immutable definitions stay.
    expect(cache.definition("t", "order", "1.0.0")).toEqual(def("order", "1.0.0"));
  });

  it("holds at most maxEntries, dropping the least recently used", () => {
    const cache = createDefinitionCache({ maxEntries: 2 });
    cache.remember("t", "a", [def("a", "1.0.0")], 0);
    cache.remember("t", "b", [def("b", "1.0.0")], 0);
    expect(cache.definition("t", "a", "1.0.0")).toBeDefined(); // a is now the most recent
    cache.remember("t", "c", [def("c", "1.0.0")], 0);
    expect(cache.definition("t", "b", "1.0.0")).toBeUndefined();
    expect(cache.definition("t", "a", "1.0.0")).toBeDefined();
    expect(cache.definition("t", "c", "1.0.0")).toBeDefined();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom("t1", "t2"), fc.stringMatching(/^[a-z]{1,3}$/)), { maxLength: 200 }), fc.integer({ min: 1, max: 20 }), (seen, max) => {
        const bounded = createDefinitionCache({ maxEntries: max });
        for (const [tenant, name] of seen) bounded.remember(tenant, name, [def(name, "1.0.0")], 0);
        expect(bounded.size.definitions).toBeLessThanOrEqual(max);
        expect(bounded.size.lists).toBeLessThanOrEqual(max);
      }),
    );
  });

  it("refuses bad options when built", () => {
    expect(() => createDefinitionCache({ maxEntries: 0 })).toThrow(/maxEntries/);
    expect(() => createDefinitionCache({ versionsTtlMs: Number.NaN })).toThrow(/versionsTtlMs/);
  });
});
