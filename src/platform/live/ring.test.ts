import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createPatchRing, type RingEntry } from "./ring.ts";

const entry = (from: number, chars = 10): RingEntry => ({ from, version: from + 1, patch: [{ op: "replace", path: "/v", value: from + 1 }], chars });

describe("createPatchRing", () => {
  it("bridges from any version it holds to the newest, in order; [] when up to date", () => {
    const ring = createPatchRing({ maxVersions: 100, maxChars: 10_000 });
    for (let v = 0; v < 5; v++) ring.push(entry(v));
    expect(ring.since(2, 5)?.map((e) => e.version)).toEqual([3, 4, 5]);
    expect(ring.since(5, 5)).toEqual([]);
  });

  it("cannot bridge a version older than it holds, a future one, or to a version it has not seen", () => {
    const ring = createPatchRing({ maxVersions: 3, maxChars: 10_000 });
    for (let v = 0; v < 5; v++) ring.push(entry(v));
    expect(ring.size).toBe(3);
    expect(ring.since(1, 5)).toBeNull();
    expect(ring.since(2, 5)?.length).toBe(3);
    expect(ring.since(7, 5)).toBeNull();
    expect(ring.since(2, 6)).toBeNull();
  });

  it("keeps at most maxChars of patches, and starts anew after a gap or a patch larger than itself", () => {
    const ring = createPatchRing({ maxVersions: 100, maxChars: 25 });
    for (let v = 0; v < 5; v++) ring.push(entry(v));
    expect(ring.size).toBe(2);
    ring.push(entry(9));
    expect(ring.size).toBe(1);
    expect(ring.since(5, 10)).toBeNull();
    ring.push(entry(10, 26));
    expect(ring.size).toBe(0);
  });

  it("refuses options that are not positive integers", () => {
    expect(() => createPatchRing({ maxVersions: 0, maxChars: 1 })).toThrow(/maxVersions/);
    expect(() => createPatchRing({ maxVersions: 1, maxChars: 0.5 })).toThrow(/maxChars/);
  });

  it("whatever it answers is a gap-free chain from `since` to `current`", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(3), { maxLength: 60 }), fc.nat(70), (jumps, since) => {
        const ring = createPatchRing({ maxVersions: 10, maxChars: 1_000 });
        let version = 0;
        for (const jump of jumps) {
          const from = version + (jump === 3 ? 1 : 0);
          ring.push(entry(from));
          version = from + 1;
        }
        const chain = ring.since(since, version);
        if (chain === null || chain.length === 0) return chain === null || since === version;
        return chain[0]!.from === since && chain.at(-1)!.version === version && chain.every((e, i) => i === 0 || e.from === chain[i - 1]!.version);
      }),
    );
  });
});
