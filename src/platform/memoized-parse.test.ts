import { describe, expect, it } from "vitest";
import { z } from "zod";
import { memoizedParser } from "./memoized-parse.ts";
import { ProblemError } from "./problem.ts";

const schema = z.strictObject({ name: z.string().regex(/^[a-z]+$/), tags: z.array(z.string()).default([]) });

const refusal = (fn: () => unknown): ProblemError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProblemError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
};

describe("memoizedParser", () => {
  it("answers the parse of the value's JSON form, frozen, and the same answer for an equal value", () => {
    const parse = memoizedParser(schema, "caller");
    const first = parse({ name: "ada" });
    expect(first).toEqual({ name: "ada", tags: [] });
    expect(Object.isFrozen(first) && Object.isFrozen(first.tags)).toBe(true);
    expect(parse({ name: "ada" })).toBe(first);
    expect(parse({ name: "bob" })).toEqual({ name: "bob", tags: [] });
  });

  it("refuses an invalid value naming the field under the root, every time (refusals are not remembered)", () => {
    const parse = memoizedParser(schema, "caller");
    for (let i = 0; i < 2; i++) {
      expect(refusal(() => parse({ name: "Ada!" })).problem.errors).toEqual([{ path: "caller.name", message: expect.any(String) }]);
    }
    expect(refusal(() => parse({ name: "ada", extra: 1 })).problem.errors).toEqual([{ path: "caller.extra", message: "unknown field" }]);
  });

  it("parses values without a JSON form as they are, and refuses them", () => {
    const parse = memoizedParser(schema, "caller");
    expect(refusal(() => parse(undefined)).problem.status).toBe(400);
    expect(refusal(() => parse({ name: 1n })).problem.errors).toEqual([{ path: "caller.name", message: expect.any(String) }]);
  });

  it("remembers at most `limit` answers, forgetting the oldest", () => {
    const parse = memoizedParser(schema, "caller", 2);
    const a = parse({ name: "a" });
    parse({ name: "b" });
    parse({ name: "c" });
    const again = parse({ name: "a" });
    expect(again).toEqual(a);
    expect(again).not.toBe(a);
  });
});
