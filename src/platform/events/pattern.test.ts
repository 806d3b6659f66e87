import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matchesPattern, patternSchema } from "./pattern.ts";

const word = fc.stringMatching(/^[a-z0-9_]{1,6}$/);
const type = fc.array(word, { minLength: 1, maxLength: 6 });

/** The definition, read literally: exponential on some inputs, so only for small ones. */
const reference = (pattern: readonly string[], segments: readonly string[]): boolean => {
  const [head, ...rest] = pattern;
  if (head === undefined) return segments.length === 0;
  if (head === "#") return segments.some((_, skip) => reference(rest, segments.slice(skip))) || reference(rest, []);
  return segments.length > 0 && (head === "*" || head === segments[0]) && reference(rest, segments.slice(1));
};

/** `#.a.#.a.#.a.#.a.#.a.#.a.#.z` against 64 segments of `a`: the worst case of a backtracking matcher. */
const WORST_PATTERN = `${"#.a.".repeat(6)}#.z`;
const WORST_TYPE = Array.from({ length: 64 }, () => "a").join(".");

describe("matchesPattern", () => {
  it.each([
    ["order.created", "order.created", true],
    ["order.created", "order.updated", false],
    ["order.*", "order.created", true],
    ["order.*", "order.line.added", false],
    ["order.*", "order", false],
    ["order.#", "order", true],
    ["order.#", "order.created", true],
    ["order.#", "order.line.added", true],
    ["order.#", "orders.created", false],
    ["#", "anything.at.all", true],
    ["*.created", "order.created", true],
    ["*.created", "order.line.created", false],
    ["#.created", "order.line.created", true],
    ["order.#.added", "order.added", true],
    ["order.#.added", "order.line.item.added", true],
    ["order.#.#", "order", true],
  ])("%s ~ %s: %s", (pattern, eventType, expected) => {
    expect(matchesPattern(pattern, eventType)).toBe(expected);
  });

  it("a type matches itself, and '#' matches every type", () => {
    fc.assert(fc.property(type, (segments) => {
      const t = segments.join(".");
      expect(matchesPattern(t, t)).toBe(true);
      expect(matchesPattern("#", t)).toBe(true);
    }));
  });

  it("'*' replaces exactly one segment", () => {
    fc.assert(fc.property(type, fc.nat(), (segments, at) => {
      const i = at % segments.length;
      const pattern = segments.map((s, j) => (j === i ? "*" : s)).join(".");
      expect(matchesPattern(pattern, segments.join("."))).toBe(true);
      expect(matchesPattern(pattern, [...segments, "extra"].join("."))).toBe(false);
      if (segments.length > 1) expect(matchesPattern(pattern, segments.slice(1).join("."))).toBe(false);
    }));
  });

  it("prefix.# matches exactly the types that start with the prefix's segments", () => {
    fc.assert(fc.property(type, type, (prefix, other) => {
      const pattern = `${prefix.join(".")}.#`;
      expect(matchesPattern(pattern, [...prefix, ...other].join("."))).toBe(true);
      expect(matchesPattern(pattern, other.join("."))).toBe(other.length >= prefix.length && prefix.every((s, j) => other[j] === s));
    }));
  });

  it("a pattern without wildcards matches only the identical type", () => {
    fc.assert(fc.property(type, type, (a, b) => {
      expect(matchesPattern(a.join("."), b.join("."))).toBe(a.join(".") === b.join("."));
    }));
  });

  it("agrees with the definition on small patterns and types over a few words", () => {
    // Few distinct words, so that words, '*' and '#' meet often.
    const small = fc.constantFrom("a", "b", "c");
    const patterns = fc.array(fc.oneof(small, fc.constant("*"), fc.constant("#")), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(patterns, fc.array(small, { minLength: 1, maxLength: 10 }), (pattern, segments) => {
        expect(matchesPattern(pattern.join("."), segments.join("."))).toBe(reference(pattern, segments));
      }),
      { numRuns: 2_000 },
    );
  });

  it("takes time linear in pattern x type: 1,000 matches of the worst case finish well within a second", () => {
    expect(WORST_TYPE.length).toBeLessThanOrEqual(128);
    // The longest valid pattern of this shape too: 127 segments, 255 characters.
    const longest = `${"#.a.".repeat(63)}#.z`;
    expect(patternSchema.safeParse(longest).success).toBe(true);
    const started = performance.now();
    for (let i = 0; i < 1_000; i++) {
      expect(matchesPattern(WORST_PATTERN, WORST_TYPE)).toBe(false);
      expect(matchesPattern(longest, WORST_TYPE)).toBe(false);
    }
    expect(matchesPattern(WORST_PATTERN, `${WORST_TYPE}.z`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("validates patterns", () => {
    for (const good of ["order.created", "order.*", "order.#", "#", "*.x.#"]) expect(patternSchema.safeParse(good).success).toBe(true);
    for (const bad of ["", "order..created", "Order.created", "order.cr*ated", "order.##", "order created", ".x", "x."]) {
      expect(patternSchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});
