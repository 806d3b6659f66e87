import { describe, expect, it } from "vitest";
import { ProblemError } from "../problem.ts";
import { decodeRunCursor, encodeRunCursor } from "./run-cursor.ts";

describe("run cursors", () => {
  it("round-trip a position, ids with ':' included, as opaque base64url", () => {
    const position = { createdAt: 1_790_000_000_123, id: "run_a:b" };
    const cursor = encodeRunCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeRunCursor(cursor)).toEqual(position);
  });

  it.each([["not base64", "%%%"], ["no position", btoa("run_1")], ["no id", btoa("17:")]])("refuses %s as query.cursor", (_what, cursor) => {
    try {
      decodeRunCursor(cursor);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ProblemError);
      expect((error as ProblemError).problem.errors).toEqual([{ path: "query.cursor", message: "not a cursor returned by this list" }]);
    }
  });
});
