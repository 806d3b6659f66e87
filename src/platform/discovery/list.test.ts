import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ProblemError } from "../problem.ts";
import type { DirectoryEntry } from "./entry.ts";
import { decodeCursor, encodeCursor, type ListCursor, mergePages, parseListQuery, type ShardPage, shardPageSql } from "./list.ts";
import { entry } from "./entry-fixture.ts";

const paths = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProblemError) return (error.problem.errors ?? []).map((e) => e.path);
    throw error;
  }
  return [];
};

describe("parseListQuery", () => {
  it("reads named parameters and label.<name> filters", () => {
    const query = parseListQuery(new URLSearchParams("type=counter&status=running&label.region=us&capability=counting&limit=5"));
    expect(query).toEqual({ type: "counter", status: "running", capability: "counting", labels: { region: "us" }, limit: 5, cursor: null });
  });

  it("names the parameter that is wrong", () => {
    expect(paths(() => parseListQuery(new URLSearchParams("status=sleeping")))).toEqual(["query.status"]);
    expect(paths(() => parseListQuery(new URLSearchParams("label.Region=us")))).toEqual(["query.label.Region"]);
    expect(paths(() => parseListQuery(new URLSearchParams("label.region=us&label.region=eu")))).toEqual(["query.label.region"]);
    expect(paths(() => parseListQuery(new URLSearchParams("cursor=nope")))).toEqual(["query.cursor"]);
    expect(paths(() => parseListQuery(new URLSearchParams("colour=red")))).toEqual(["query.colour"]);
  });

  it("round-trips its cursors", () => {
    const cursor: ListCursor = { after: "agent-7", done: [0, 3] };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });
});

describe("shardPageSql", () => {
  it("filters in storage and asks one row more than the page", () => {
    const { sql, params } = shardPageSql({ filter: { types: ["a", "b"], labels: { region: "us" } }, after: "x", limit: 10 });
    expect(sql).toBe(
      "SELECT data FROM entries WHERE deleted = 0 AND id > ? AND type IN (?, ?) AND json_extract(labels, ?) = ? ORDER BY id LIMIT ?",
    );
    expect(params).toEqual(["x", "a", "b", '$."region"', "us", 11]);
  });
});

/** Pages `shards` (each a sorted list of ids) as the Worker does; answers every id listed, in order. */
const pageAll = (shards: string[][], limit: number): string[] => {
  const listed: string[] = [];
  let cursor: ListCursor | null = null;
  for (let guard = 0; guard < 1000; guard++) {
    const pages = new Map<number, ShardPage>();
    shards.forEach((ids, k) => {
      if (cursor?.done.includes(k)) return;
      const after = cursor?.after;
      const rows = ids.filter((id) => after === undefined || id > after).slice(0, limit + 1);
      pages.set(k, { items: rows.slice(0, limit).map((id): DirectoryEntry => entry({ id })), more: rows.length > limit });
    });
    const page = mergePages(pages, limit, cursor?.done ?? []);
    listed.push(...page.items.map((item) => item.id));
    if (page.next === null) return listed;
    cursor = page.next;
  }
  throw new Error("paging did not end");
};

describe("mergePages", () => {
  it("pages through every shard's ids exactly once, in order, whatever the page size", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,6}$/), { maxLength: 60 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 7 }), (ids, shardCount, limit) => {
        const shards: string[][] = Array.from({ length: shardCount }, () => []);
        ids.forEach((id, i) => shards[i % shardCount]!.push(id));
        for (const shard of shards) shard.sort();
        expect(pageAll(shards, limit)).toEqual([...ids].sort());
      }),
    );
  });

  it("lists an id found in two shards once, from the higher revision", () => {
    const pages = new Map<number, ShardPage>([
      [0, { items: [entry({ id: "a", revision: 1, status: "stopped" })], more: false }],
      [1, { items: [entry({ id: "a", revision: 2 })], more: false }],
    ]);
    expect(mergePages(pages, 10, []).items).toEqual([entry({ id: "a", revision: 2 })]);
  });
});
