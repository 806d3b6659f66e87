import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DURATION_BUCKETS, METRICS } from "./catalog.ts";
import { addCounter, addHistogram, bucketOf, emptyHistogram, mergeHistogram, observe, OTHER, SeriesTable } from "./series.ts";

const ACTIONS = METRICS.actions.name;

describe("histogram buckets", () => {
  it("puts a value in the first bucket whose bound it does not exceed (le), else +Inf", () => {
    expect(bucketOf([0.1, 1], 0.1)).toBe(0);
    expect(bucketOf([0.1, 1], 0.10001)).toBe(1);
    expect(bucketOf([0.1, 1], 1)).toBe(1);
    expect(bucketOf([0.1, 1], 7)).toBe(2);
  });

  it("counts, sums and merges observations", () => {
    const a = observe(observe(emptyHistogram([0.1, 1]), [0.1, 1], 0.05), [0.1, 1], 3);
    const b = observe(emptyHistogram([0.1, 1]), [0.1, 1], 0.5);
    expect(mergeHistogram(a, b)).toEqual({ counts: [1, 1, 1], sum: 3.55, count: 3 });
  });

  it("merging deltas in any grouping gives the same totals as observing them all at once", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { maxLength: 20 }), { maxLength: 10 }), (groups) => {
        const whole = emptyHistogram(DURATION_BUCKETS);
        for (const v of groups.flat()) observe(whole, DURATION_BUCKETS, v);
        const merged = emptyHistogram(DURATION_BUCKETS);
        for (const group of groups) {
          const delta = emptyHistogram(DURATION_BUCKETS);
          for (const v of group) observe(delta, DURATION_BUCKETS, v);
          mergeHistogram(merged, delta);
        }
        expect(merged.counts).toEqual(whole.counts);
        expect(merged.count).toBe(whole.count);
        expect(merged.sum).toBeCloseTo(whole.sum, 6);
      }),
    );
  });

  it("ignores a delta with another number of buckets (a catalog changed mid-deploy)", () => {
    const into = emptyHistogram([1]);
    expect(mergeHistogram(into, emptyHistogram([1, 2]))).toEqual(emptyHistogram([1]));
  });
});

describe("series table", () => {
  it("sums counter deltas per label set", () => {
    const table = new SeriesTable<number>();
    addCounter(table, ACTIONS, ["t", "a", "x", "ok"], 2);
    addCounter(table, ACTIONS, ["t", "a", "x", "ok"], 3);
    addCounter(table, ACTIONS, ["t", "a", "x", "failed"], 1);
    expect(table.get(ACTIONS, ["t", "a", "x", "ok"])).toBe(5);
    expect(table.get(ACTIONS, ["t", "a", "x", "failed"])).toBe(1);
  });

  it("folds label sets past the cap into one `other` series that keeps the tenant, and still counts them", () => {
    const table = new SeriesTable<number>(3);
    for (let i = 0; i < 10; i++) addCounter(table, ACTIONS, ["t", "type", `action-${i}`, "ok"], 1);
    expect(table.size).toBe(4);
    expect(table.get(ACTIONS, ["t", OTHER, OTHER, OTHER])).toBe(7);
    expect(table.get(ACTIONS, ["t", "type", "action-2", "ok"])).toBe(1);
    // A label set admitted before the cap keeps counting as itself.
    addCounter(table, ACTIONS, ["t", "type", "action-0", "ok"], 1);
    expect(table.get(ACTIONS, ["t", "type", "action-0", "ok"])).toBe(2);
  });

  it("caps each metric on its own", () => {
    const table = new SeriesTable<number>(1);
    addCounter(table, ACTIONS, ["t", "a", "x", "ok"], 1);
    addCounter(table, METRICS.eventsPublished.name, ["t", "s"], 1);
    expect(table.get(METRICS.eventsPublished.name, ["t", "s"])).toBe(1);
  });

  it("never holds more than cap + 1 series per metric and loses no count", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.tuple(fc.string({ maxLength: 3 }), fc.nat(5)), { maxLength: 200 }), (cap, entries) => {
        const table = new SeriesTable<number>(cap);
        for (const [action, n] of entries) addCounter(table, ACTIONS, ["t", "a", action, "ok"], n);
        expect(table.size).toBeLessThanOrEqual(cap + 1);
        const total = [...table.rows()].reduce((sum, row) => sum + row.value, 0);
        expect(total).toBe(entries.reduce((sum, [, n]) => sum + n, 0));
      }),
    );
  });

  it("merges histogram deltas into copies, never into the delta it was given", () => {
    const table = new SeriesTable<ReturnType<typeof emptyHistogram>>();
    const delta = observe(emptyHistogram([1]), [1], 0.5);
    addHistogram(table, METRICS.actionDuration.name, ["t", "a", "x", "ok"], delta);
    addHistogram(table, METRICS.actionDuration.name, ["t", "a", "x", "ok"], delta);
    expect(delta.count).toBe(1);
    expect(table.get(METRICS.actionDuration.name, ["t", "a", "x", "ok"])?.count).toBe(2);
  });
});

describe("series table against a keyed reference", () => {
  /** The table's contract with a JSON key per series (its former implementation). */
  const reference = (cap: number, updates: readonly [string, string[], number][]) => {
    const rows = new Map<string, { metric: string; labels: string[]; value: number }>();
    const distinct = new Map<string, number>();
    const tenantFirst = (metric: string, labels: string[]) => labels.map((v, i) => (i === 0 && metric !== "" ? v : OTHER));
    for (const [metric, given, delta] of updates) {
      let labels = given;
      let key = JSON.stringify([metric, ...labels]);
      if (!rows.has(key)) {
        const folded = tenantFirst(metric, labels);
        const isOther = folded.every((v, i) => v === labels[i]);
        const used = distinct.get(metric) ?? 0;
        if (used >= cap && !isOther) {
          labels = folded;
          key = JSON.stringify([metric, ...labels]);
        } else if (!isOther) distinct.set(metric, used + 1);
      }
      const row = rows.get(key);
      if (row) row.value += delta;
      else rows.set(key, { metric, labels: [...labels], value: delta });
    }
    return [...rows.values()];
  };

  it("keeps exactly the same series, values, first-seen order and folding", () => {
    // Catalog metrics whose first label is `tenant` (foldLabels keeps it).
    const metric = fc.constantFrom(ACTIONS, METRICS.eventsPublished.name);
    const value = fc.constantFrom("a", "b", "", "a,b", '"', OTHER, "x\n");
    const update = metric.chain((name) =>
      fc.tuple(fc.constant(name), fc.array(value, { minLength: name === ACTIONS ? 4 : 2, maxLength: name === ACTIONS ? 4 : 2 }), fc.integer({ min: 1, max: 5 })),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(update, { maxLength: 60 }), (cap, updates) => {
        const table = new SeriesTable<number>(cap);
        for (const [name, labels, delta] of updates) addCounter(table, name, labels, delta);
        const expected = reference(cap, updates);
        expect([...table.rows()]).toEqual(expected);
        expect(table.size).toBe(expected.length);
        for (const row of expected) expect(table.get(row.metric, row.labels)).toBe(row.value);
        table.clear();
        expect([...table.rows()]).toEqual([]);
        expect(table.get(ACTIONS, ["a", "a", "a", "a"])).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});
