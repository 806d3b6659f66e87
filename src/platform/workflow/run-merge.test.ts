import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Page } from "../pagination.ts";
import { ProblemError } from "../problem.ts";
import { encodeRunCursor, type RunPosition } from "./run-cursor.ts";
import { decodeMergedRunCursor, encodeMergedRunCursor, mergeRunPages, newestFirst, positionOf } from "./run-merge.ts";
import type { RunSummary } from "./run-view.ts";

const T0 = Date.parse("2026-11-01T00:00:00.000Z");
const run = (id: string, startOffset: number, updatedOffset = startOffset): RunSummary => ({
  id,
  workflow: "w",
  version: "1.0.0",
  status: "completed",
  createdAt: new Date(T0 + startOffset).toISOString(),
  updatedAt: new Date(T0 + updatedOffset).toISOString(),
});

/** A source as a shard answers: its runs after `after`, newest first, `limit` of them, `next` when it had more. */
const sourcePage = (runs: readonly RunSummary[], after: RunPosition | null, limit: number): Page<RunSummary> => {
  const rows = [...runs].sort((a, b) => newestFirst(positionOf(a), positionOf(b))).filter((r) => after === null || newestFirst(positionOf(r), after) > 0);
  return { items: rows.slice(0, limit), next: rows.length > limit ? encodeRunCursor(positionOf(rows[limit - 1]!)) : null };
};

/** Walks every page as the route does; answers the ids listed and how often each source was asked. */
const walk = (sources: readonly (readonly RunSummary[])[], limit: number): { ids: string[]; asked: number[] } => {
  const ids: string[] = [];
  const asked = sources.map(() => 0);
  let cursor: string | null | undefined;
  for (let page = 0; cursor !== null; page++) {
    if (page > 1_000) throw new Error("paging did not end");
    const at = cursor === undefined ? null : decodeMergedRunCursor(cursor);
    const pages = new Map<number, Page<RunSummary>>();
    for (const [n, runs] of sources.entries()) {
      if (at?.done.includes(n)) continue;
      asked[n]! += 1;
      pages.set(n, sourcePage(runs, at?.position ?? null, limit));
    }
    const merged = mergeRunPages(pages, limit, at?.done ?? []);
    expect(merged.items.length).toBeLessThanOrEqual(limit);
    ids.push(...merged.items.map((r) => r.id));
    cursor = merged.next;
  }
  return { ids, asked };
};

describe("mergeRunPages", () => {
  it("lists every run of every source exactly once, newest first (ties: greater id first), whatever the page size", () => {
    const runArb = fc.record({ id: fc.stringMatching(/^[A-Za-z0-9._:-]{1,12}$/), start: fc.integer({ min: 0, max: 20 }) });
    fc.assert(
      fc.property(
        fc.uniqueArray(runArb, { selector: (r) => r.id, maxLength: 60 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 25 }),
        (specs, sourceCount, limit) => {
          const runs = specs.map((s) => run(s.id, s.start * 1_000));
          const sources = Array.from({ length: sourceCount }, (_, n) => runs.filter((_r, i) => i % sourceCount === n));
          const expected = [...runs].sort((a, b) => newestFirst(positionOf(a), positionOf(b))).map((r) => r.id);
          expect(walk(sources, limit).ids).toEqual(expected);
        },
      ),
    );
  });

  it("does not ask a source again once it has nothing after the cursor", () => {
    // Source 0 holds the three newest runs, source 1 the twenty oldest.
    const sources = [[run("n1", 900), run("n2", 800), run("n3", 700)], Array.from({ length: 20 }, (_, i) => run(`o${i}`, i))];
    const { ids, asked } = walk(sources, 5);
    expect(ids).toHaveLength(23);
    expect(asked).toEqual([1, 5]);
  });

  it("lists a run found in two sources once, from the entry updated last", () => {
    const pages = new Map([
      [0, { items: [run("r1", 10, 10)], next: null }],
      [1, { items: [{ ...run("r1", 10, 50), status: "failed" }, run("r0", 5)], next: null }],
    ]);
    const merged = mergeRunPages(pages, 10, []);
    expect(merged.items.map((r) => [r.id, r.status])).toEqual([["r1", "failed"], ["r0", "completed"]]);
    expect(merged.next).toBeNull();
  });
});

describe("merged run cursors", () => {
  it("round-trip a position and the sources done; a cursor with none done is the single index's cursor", () => {
    const position = { createdAt: T0, id: "run_a:b" };
    expect(decodeMergedRunCursor(encodeMergedRunCursor({ position, done: [0, 3, 64] }))).toEqual({ position, done: [0, 3, 64] });
    expect(encodeMergedRunCursor({ position, done: [] })).toBe(encodeRunCursor(position));
    expect(decodeMergedRunCursor(encodeRunCursor(position))).toEqual({ position, done: [] });
  });

  it.each([["garbage", "%%%"], ["a done list without a position", btoa("d=1,2;")], ["no position", btoa("run_1")]])("refuses %s as query.cursor", (_what, cursor) => {
    try {
      decodeMergedRunCursor(cursor);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ProblemError);
      expect((error as ProblemError).problem.errors).toEqual([{ path: "query.cursor", message: "not a cursor returned by this list" }]);
    }
  });
});
