// `GET /v1/runs` over a tenant's runs-index shards (and the per-tenant index runs were
// kept in before the shards existed): every source answers the same query, runs after
// the same position, newest first, one page of `limit`; the Worker merges the pages in
// the one order (start time, then id, both descending) and keeps the first `limit`. The
// cursor is the position of the last run listed (run-cursor.ts) and the sources that
// have no more runs after it, which are not asked again (as the directory's list does,
// src/platform/discovery/list.ts). A cursor of the single index decodes as "none done".
import { compareKeys, cursorKey, type Page } from "../pagination.ts";
import { validationProblem } from "../problem.ts";
import { decodeRunCursor, encodeRunCursor, type RunPosition } from "./run-cursor.ts";
import type { RunSummary } from "./run-view.ts";

export type MergedRunCursor = { position: RunPosition; done: number[] };

const base64url = (text: string): string =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text))).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

const DONE = /^d=(\d{1,2}(?:,\d{1,2}){0,64});/;
const badCursor = () => validationProblem([{ path: "query.cursor", message: "not a cursor returned by this list" }]);

export const encodeMergedRunCursor = ({ position, done }: MergedRunCursor): string =>
  done.length === 0 ? encodeRunCursor(position) : base64url(`d=${done.join(",")};${position.createdAt}:${position.id}`);

export const decodeMergedRunCursor = (cursor: string): MergedRunCursor => {
  const key = cursorKey(cursor) ?? "";
  const match = DONE.exec(key);
  if (!match) return { position: decodeRunCursor(cursor), done: [] };
  const position = /^(\d{1,16}):(.+)$/s.exec(key.slice(match[0].length));
  if (!position) throw badCursor();
  return { position: { createdAt: Number(position[1]), id: position[2]! }, done: match[1]!.split(",").map(Number) };
};

/** Where a summary sits in the list: its start time (0 when it is not a time, as the index stores it) and id. */
export const positionOf = (summary: RunSummary): RunPosition => ({ createdAt: Date.parse(summary.createdAt) || 0, id: summary.id });

/** Negative when `a` is listed before `b`: the newer start first, then the greater id (in key order). */
export const newestFirst = (a: RunPosition, b: RunPosition): number => (a.createdAt !== b.createdAt ? b.createdAt - a.createdAt : compareKeys(b.id, a.id));

/**
 * One page of at most `limit` runs from the sources' pages (each newest first, `next`
 * non-null when it had more). A run found in two sources is listed once, from the entry
 * updated last. A source is done when it had no more and every run it sent was listed.
 */
export const mergeRunPages = (pages: ReadonlyMap<number, Page<RunSummary>>, limit: number, previouslyDone: readonly number[]): Page<RunSummary> => {
  const byId = new Map<string, RunSummary>();
  for (const page of pages.values()) {
    for (const summary of page.items) {
      const seen = byId.get(summary.id);
      if (!seen || Date.parse(seen.updatedAt) < Date.parse(summary.updatedAt)) byId.set(summary.id, summary);
    }
  }
  const sorted = [...byId.values()].sort((a, b) => newestFirst(positionOf(a), positionOf(b)));
  const items = sorted.slice(0, limit);
  const last = items.at(-1);
  const anyMore = sorted.length > limit || [...pages.values()].some((page) => page.next !== null);
  if (!anyMore || last === undefined) return { items, next: null };
  const at = positionOf(last);
  const done = new Set(previouslyDone);
  for (const [source, page] of pages) {
    const lastOfSource = page.items.at(-1);
    if (page.next === null && (lastOfSource === undefined || newestFirst(positionOf(lastOfSource), at) <= 0)) done.add(source);
  }
  return { items, next: encodeMergedRunCursor({ position: at, done: [...done].sort((a, b) => a - b) }) };
};
