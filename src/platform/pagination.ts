// The one pagination contract: `?limit=&cursor=` in, `{items, next}` out. A cursor is
// the opaque (base64url) key of the last item returned; lists are ordered by key, in
// one order everywhere (`compareKeys`): the order SQLite's `ORDER BY key` gives TEXT, so
// a list sorted in code, a page cut after a cursor and a store's `key > ?` agree, and
// paging never skips or repeats an item (a locale order would: it folds case and
// ignores punctuation, which the cursor comparison does not).
import { z } from "zod";
import { validationProblem } from "./problem.ts";

export const paginationQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(512).optional(),
});
export type PaginationQuery = z.input<typeof paginationQuery>;

export type Page<T> = { items: T[]; next: string | null };

const encode = (key: string): string =>
  btoa(String.fromCharCode(...new TextEncoder().encode(key))).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

const decode = (cursor: string): string | null => {
  try {
    const binary = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
  } catch {
    return null;
  }
};

export const cursorKey = (cursor: string | undefined): string | undefined => {
  if (cursor === undefined) return undefined;
  const key = decode(cursor);
  if (key === null) throw validationProblem([{ path: "query.cursor", message: "not a cursor returned by this list" }]);
  return key;
};

// UTF-16 code units order like code points except that surrogates (D800-DFFF, the code
// points from 10000) come before E000-FFFF; this moves them after, as UTF-8 bytes are.
const codePointRank = (unit: number): number => (unit >= 0xe000 ? unit - 0x800 : unit >= 0xd800 ? unit + 0x2000 : unit);

/**
 * The order of list keys: by code point, which is the byte order of their UTF-8 and so
 * SQLite's BINARY collation of TEXT. For the platform's ASCII ids it is plain `<`.
 */
export const compareKeys = (a: string, b: string): number => {
  if (a === b) return 0;
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) < codePointRank(y) ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
};

/** A copy of `items` in key order. */
export const sortByKey = <T>(items: Iterable<T>, keyOf: (item: T) => string): T[] => [...items].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));

/**
 * A page from rows a store selected after the cursor in key order, one more than the
 * page holds (`WHERE key > ? ORDER BY key LIMIT limit + 1`): the extra row says a next
 * page exists.
 */
export const pageOfRows = <T>(rows: readonly T[], keyOf: (item: T) => string, limit: number): Page<T> => {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last !== undefined ? encode(keyOf(last)) : null };
};

/** Pages a list already in key order (`sortByKey`, or a store's `ORDER BY key`). */
export const paginate = <T>(
  sorted: readonly T[],
  keyOf: (item: T) => string,
  query: { limit: number; cursor?: string | undefined },
): Page<T> => {
  const after = cursorKey(query.cursor);
  const start = after === undefined ? 0 : sorted.findIndex((item) => compareKeys(keyOf(item), after) > 0);
  const from = start === -1 ? sorted.length : start;
  return pageOfRows(sorted.slice(from, from + query.limit + 1), keyOf, query.limit);
};
