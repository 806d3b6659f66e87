// The one pagination contract: `?limit=&cursor=` in, `{items, next}` out. A cursor is
// the opaque (base64url) key of the last item returned; lists are ordered by key.
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

/** Pages a list already sorted by `keyOf`. */
export const paginate = <T>(
  sorted: readonly T[],
  keyOf: (item: T) => string,
  query: { limit: number; cursor?: string | undefined },
): Page<T> => {
  const after = cursorKey(query.cursor);
  const start = after === undefined ? 0 : sorted.findIndex((item) => keyOf(item) > after);
  const from = start === -1 ? sorted.length : start;
  const items = sorted.slice(from, from + query.limit);
  const last = items.at(-1);
  return { items, next: from + query.limit < sorted.length && last !== undefined ? encode(keyOf(last)) : null };
};
