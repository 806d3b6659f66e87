import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareKeys, cursorKey, type Page, pageOfRows, paginate, paginationQuery, sortByKey } from "./pagination.ts";
import { ProblemError } from "./problem.ts";

/** Sets of ids of the platform's alphabet, mixed case and punctuation, in any order. */
const ids = fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9._:-]{1,8}$/), { maxLength: 40 });

/** Every item of a paged list, following `next` until it is null. */
const walk = (pageAt: (cursor: string | undefined) => Page<string>, bound: number): string[] => {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard <= bound; guard++) {
    const page = pageAt(cursor);
    seen.push(...page.items);
    if (page.next === null) return seen;
    cursor = page.next;
  }
  throw new Error("paging did not end");
};

/** Byte order of UTF-8: what SQLite's BINARY collation does to TEXT. */
const utf8Order = (a: string, b: string): number => {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return Math.sign(x.length - y.length);
};

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

  it("yields every item exactly once, in order, for any ids and any page size", () => {
    fc.assert(
      fc.property(ids, fc.integer({ min: 1, max: 45 }), (list, limit) => {
        const sorted = sortByKey(list, (x) => x);
        const seen = walk((cursor) => paginate(sorted, (x) => x, { limit, cursor }), list.length + 1);
        expect(seen).toEqual(sorted);
        expect(new Set(seen).size).toBe(list.length);
      }),
      { numRuns: 500 },
    );
  });

  it("a store's `WHERE id > ? ORDER BY id LIMIT n + 1` pages the same way", () => {
    fc.assert(
      fc.property(ids, fc.integer({ min: 1, max: 45 }), (list, limit) => {
        const sorted = sortByKey(list, (x) => x);
        const store = (cursor: string | undefined) => {
          const after = cursorKey(cursor) ?? "";
          return pageOfRows(sorted.filter((id) => compareKeys(id, after) > 0).slice(0, limit + 1), (x) => x, limit);
        };
        expect(walk(store, list.length + 1)).toEqual(sorted);
      }),
      { numRuns: 500 },
    );
  });

  it("orders keys as SQLite orders TEXT: by the bytes of their UTF-8", () => {
    expect(sortByKey(["b", "B", "a-1", "a.1", "A_1", "a:1", "a"], (x) => x)).toEqual(["A_1", "B", "a", "a-1", "a.1", "a:1", "b"]);
    // A code point above FFFF (a surrogate pair) sorts after one in E000-FFFF, as in UTF-8.
    expect(compareKeys("\u{1F600}", "\uFFFD")).toBe(1);
    // Any characters, with the edges of the UTF-16 and UTF-8 forms often.
    const unit = fc.oneof(fc.constantFrom("a", "B", ".", "\u007F", "\u0080", "\u07FF", "\uD7FF", "\uE000", "\uFFFD", "\u{10000}", "\u{1F600}"), fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }));
    const text = fc.string({ unit, maxLength: 6 });
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(compareKeys(a, b)).toBe(utf8Order(a, b));
        expect(compareKeys(b, a)).toBe(utf8Order(b, a));
      }),
      { numRuns: 2_000 },
    );
  });

  it("parses limit from the query string within bounds", () => {
    expect(paginationQuery.parse({ limit: "5" })).toEqual({ limit: 5 });
    expect(paginationQuery.safeParse({ limit: "0" }).success).toBe(false);
    expect(paginationQuery.safeParse({ limit: "5000" }).success).toBe(false);
    expect(paginationQuery.safeParse({ other: "1" }).success).toBe(false);
  });
});
