import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matchesPattern, patternSchema } from "./pattern.ts";

const word = fc.stringMatching(/^[a-z0-9_]{1,6}$/);
const type = fc.array(word, { minLength: 1, maxLength: 6 });

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

  it("validates patterns", () => {
    for (const good of ["order.created", "order.*", "order.#", "#", "*.x.#"]) expect(patternSchema.safeParse(good).success).toBe(true);
    for (const bad of ["", "order..created", "Order.created", "order.cr*ated", "order.##", "order created", ".x", "x."]) {
      expect(patternSchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});
