import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { applyMergePatch, changedPaths } from "./merge-patch.ts";

describe("applyMergePatch (RFC 7396)", () => {
  // The examples of RFC 7396, Appendix A.
  it.each([
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [["a", "b"], ["c", "d"], ["c", "d"]],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])("%j patched with %j is %j", (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it("does not change its arguments", () => {
    const target = { a: { b: 1 } };
    applyMergePatch(target, { a: { b: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
  });
});

describe("changedPaths", () => {
  it("names each leaf that changed, and members added or removed", () => {
    expect(changedPaths({ a: { b: 1, c: 2 }, d: [1] }, { a: { b: 1, c: 3 }, d: [2], e: true })).toEqual(["a.c", "d", "e"]);
  });

  it("is empty for equal documents, and names a path for a changed leaf", () => {
    fc.assert(fc.property(fc.jsonValue(), (a) => changedPaths(a, structuredClone(a)).length === 0));
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (a, n) => {
        const before = { x: { y: a } };
        return changedPaths(before, { x: { y: { n } } }).length > 0 === (JSON.stringify(a) !== JSON.stringify({ n }));
      }),
    );
  });
});
