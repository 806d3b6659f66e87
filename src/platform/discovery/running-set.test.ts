import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AGENT_STATUSES } from "./entry.ts";
import { entry } from "./entry-fixture.ts";
import { createRunningSet } from "./running-set.ts";

const ids = (entries: Iterable<{ id: string }>) => [...entries].map((e) => e.id).sort();

describe("a shard's running entries in memory", () => {
  it("keeps running entries by type, follows status changes and deletions", () => {
    const set = createRunningSet([entry({ id: "a", type: "t1" }), entry({ id: "b", type: "t2" }), entry({ id: "c", type: "t1", status: "paused" })]);
    expect(ids(set.of([]))).toEqual(["a", "b"]);
    expect(ids(set.of(["t1"]))).toEqual(["a"]);
    set.put(entry({ id: "a", type: "t1", status: "stopped" }));
    set.put(entry({ id: "c", type: "t1" }));
    expect(ids(set.of(["t1", "t2", "t1"]))).toEqual(["b", "c"]);
    set.put(entry({ id: "b", type: "t3" }));
    expect(ids(set.of(["t2"]))).toEqual([]);
    set.drop("b");
    set.drop("unknown");
    expect(ids(set.of([]))).toEqual(["c"]);
    expect(set.size).toBe(1);
  });

  it("answers as reading the last stored entry of each id from storage would (property)", () => {
    const change = fc.record({ id: fc.constantFrom("a", "b", "c", "d"), type: fc.constantFrom("t1", "t2"), status: fc.constantFrom(...AGENT_STATUSES), deleted: fc.boolean() });
    fc.assert(
      fc.property(fc.array(change, { maxLength: 40 }), fc.subarray(["t1", "t2"]), (changes, types) => {
        const set = createRunningSet();
        const stored = new Map<string, { type: string; status: string } | null>();
        for (const c of changes) {
          if (c.deleted) {
            set.drop(c.id);
            stored.set(c.id, null);
          } else {
            set.put(entry({ id: c.id, type: c.type, status: c.status }));
            stored.set(c.id, c);
          }
        }
        const expected = [...stored].filter(([, e]) => e !== null && e.status === "running" && (types.length === 0 || types.includes(e.type))).map(([id]) => id).sort();
        expect(ids(set.of(types))).toEqual(expected);
      }),
    );
  });
});
