import { describe, expect, it } from "vitest";
import { paginate, paginationQuery } from "./pagination.ts";
import { ProblemError } from "./problem.ts";

const items = ["a", "b", "c", "d", "e"];

describe("paginate", () => {
  it("walks a list page by page with opaque cursors", () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const page = paginate(items, (x) => x, { limit: 2, cursor });
      seen.push(...page.items);
      if (!page.next) break;
      cursor = page.next;
    }
    expect(seen).toEqual(items);
  });

  it("answers the last page with next null", () => {
    expect(paginate(items, (x) => x, { limit: 10 })).toEqual({ items, next: null });
  });

  it("refuses a cursor it did not issue, naming query.cursor", () => {
    try {
      paginate(items, (x) => x, { limit: 2, cursor: "%%%" });
      expect.unreachable();
    } catch (error) {
      expect((error as ProblemError).problem.errors).toEqual([{ path: "query.cursor", message: "not a cursor returned by this list" }]);
    }
  });

  it("parses limit from the query string within bounds", () => {
    expect(paginationQuery.parse({ limit: "5" })).toEqual({ limit: 5 });
    expect(paginationQuery.safeParse({ limit: "0" }).success).toBe(false);
    expect(paginationQuery.safeParse({ limit: "5000" }).success).toBe(false);
    expect(paginationQuery.safeParse({ other: "1" }).success).toBe(false);
  });
});
