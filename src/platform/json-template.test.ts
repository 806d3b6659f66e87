import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isReference, resolveReference, resolveTemplate, templateReferences } from "./json-template.ts";

const root = { input: { n: 2, nested: { deep: [1, 2] } }, steps: { pay: { output: { ok: true } } }, empty: null };

describe("resolveReference", () => {
  it("follows own properties and answers undefined for what is absent", () => {
    expect(resolveReference("$.input.n", root)).toBe(2);
    expect(resolveReference("$.input.nested.deep", root)).toEqual([1, 2]);
    expect(resolveReference("$.steps.pay.output.ok", root)).toBe(true);
    expect(resolveReference("$.input.missing", root)).toBeUndefined();
    expect(resolveReference("$.empty.x", root)).toBeUndefined();
    expect(resolveReference("$.input.n.x", root)).toBeUndefined();
    // Inherited properties are not data.
    expect(resolveReference("$.input.constructor", root)).toBeUndefined();
    expect(resolveReference("$.input.__proto__", root)).toBeUndefined();
  });
});

describe("resolveTemplate", () => {
  it("replaces references at any depth and keeps everything else as written", () => {
    const template = { a: "$.input.n", b: ["$.steps.pay.output.ok", "plain", 3], c: { d: "$.missing" }, e: "$input.n", f: null };
    expect(resolveTemplate(template, root)).toEqual({ a: 2, b: [true, "plain", 3], c: { d: undefined }, e: "$input.n", f: null });
  });

  it("is the identity on templates without references", () => {
    const constant = fc.jsonValue().filter((value) => templateReferences(value).length === 0);
    fc.assert(
      fc.property(constant, (value) => {
        expect(resolveTemplate(value, root)).toEqual(value);
      }),
    );
  });
});

describe("templateReferences", () => {
  it("lists each reference with its path in the template", () => {
    expect(templateReferences({ by: "$.data.qty", meta: { id: "$.id", tags: ["x", "$.type"] }, n: 1 })).toEqual([
      { path: "by", reference: "$.data.qty" },
      { path: "meta.id", reference: "$.id" },
      { path: "meta.tags.1", reference: "$.type" },
    ]);
    expect(templateReferences("$.id")).toEqual([{ path: "(root)", reference: "$.id" }]);
    expect(isReference("$")).toBe(false);
  });
});
