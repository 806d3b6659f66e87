import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createParseCache, plainJsonText } from "./parse-cache.ts";

describe("remembered parses", () => {
  const schema = z.strictObject({ type: z.string().optional(), limit: z.number().int().min(0), tags: z.array(z.string()).default([]) });

  it("give the very same parsed value for plain JSON input of the same text", () => {
    const parse = createParseCache(schema, "query");
    const first = parse({ type: "a", limit: 1 });
    expect(first).toEqual({ type: "a", limit: 1, tags: [] });
    expect(parse({ type: "a", limit: 1 })).toBe(first);
    expect(parse({ limit: 1, type: "a" })).not.toBe(first);
  });

  it("parse anything that is not plain JSON data as it comes, and refuse what the schema refuses", () => {
    const parse = createParseCache(schema, "query");
    parse({ limit: 1 });
    // Same JSON text as { limit: 1 }, but not the same input: each is parsed, and refused.
    expect(() => parse({ limit: 1, extra: undefined })).toThrow();
    expect(() => parse({ limit: 1, call: () => 1 })).toThrow();
    parse({ type: "2026-01-01T00:00:00.000Z", limit: 1 });
    expect(() => parse({ type: new Date("2026-01-01T00:00:00.000Z"), limit: 1 })).toThrow();
    expect(() => parse({ limit: 1.5 })).toThrow();
    expect(() => parse({ limit: 1.5 })).toThrow();
  });

  it("know plain JSON data", () => {
    expect(plainJsonText({ a: [1, "x", null, true, { b: 2 }] })).toBe('{"a":[1,"x",null,true,{"b":2}]}');
    for (const value of [{ a: undefined }, { a: Number.NaN }, { a: -0 }, { a: new Date(0) }, { a: new Map() }, { a: 1n }, [() => 1], { a: Symbol("s") }]) {
      expect(plainJsonText(value)).toBeNull();
    }
  });
});
