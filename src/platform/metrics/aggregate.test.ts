import { describe, expect, it } from "vitest";
import { METRICS } from "./catalog.ts";
import { Aggregate, GAUGE_REWRITE_MS, GAUGE_TTL_MS, GaugeWrites, mergeSnapshots, metricBatchSchema } from "./aggregate.ts";
import { emptyHistogram, observe } from "./series.ts";

const inFlight = METRICS.bulkheadInFlight.name;

describe("aggregate", () => {
  it("adds counter deltas from many sources", () => {
    const agg = new Aggregate();
    agg.apply("a", { counters: [[METRICS.eventsPublished.name, ["t", "s"], 2]], histograms: [] }, 0);
    agg.apply("b", { counters: [[METRICS.eventsPublished.name, ["t", "s"], 3]], histograms: [] }, 0);
    expect(agg.snapshot(0).counters).toEqual([[METRICS.eventsPublished.name, ["t", "s"], 5]]);
  });

  it("keeps gauges per source: a source's batch replaces its previous values; sources add up", () => {
    const agg = new Aggregate();
    agg.apply("a", { counters: [], histograms: [], gauges: [[inFlight, ["t", "x"], 3]] }, 0);
    agg.apply("b", { counters: [], histograms: [], gauges: [[inFlight, ["t", "x"], 1]] }, 0);
    agg.apply("a", { counters: [], histograms: [], gauges: [[inFlight, ["t", "x"], 0]] }, 1);
    expect(agg.snapshot(1).gauges).toEqual([[inFlight, ["t", "x"], 1]]);
    // A batch without gauges leaves the source's gauges as they were.
    agg.apply("b", { counters: [], histograms: [] }, 2);
    expect(agg.snapshot(2).gauges).toEqual([[inFlight, ["t", "x"], 1]]);
  });

  it("forgets the gauges of a source silent past the TTL", () => {
    const agg = new Aggregate();
    agg.apply("gone", { counters: [], histograms: [], gauges: [[inFlight, ["t", "x"], 4]] }, 0);
    agg.apply("live", { counters: [], histograms: [], gauges: [[inFlight, ["t", "x"], 1]] }, GAUGE_TTL_MS);
    expect(agg.snapshot(GAUGE_TTL_MS + 1).gauges).toEqual([[inFlight, ["t", "x"], 1]]);
    expect(agg.expire(GAUGE_TTL_MS + 1)).toEqual(["gone"]);
  });

  it("drops entries the catalog does not know, or with the wrong kind, label count or buckets", () => {
    const agg = new Aggregate();
    const h = observe(emptyHistogram(METRICS.actionDuration.buckets!), METRICS.actionDuration.buckets!, 0.2);
    agg.apply("a", {
      counters: [["jido_unknown_total", ["t"], 1], [inFlight, ["t", "x"], 1], [METRICS.eventsPublished.name, ["t"], 1], [METRICS.eventsPublished.name, ["t", "s"], 1]],
      histograms: [[METRICS.actionDuration.name, ["t", "a", "x", "ok"], h], [METRICS.actionDuration.name, ["t", "a", "x", "ok"], emptyHistogram([1])]],
    }, 0);
    const snap = agg.snapshot(0);
    expect(snap.counters).toEqual([[METRICS.eventsPublished.name, ["t", "s"], 1]]);
    expect(snap.histograms).toHaveLength(1);
    expect(snap.histograms[0]![2].count).toBe(1);
  });

  it("refuses a malformed batch at the boundary (negative counter, non-finite value)", () => {
    expect(metricBatchSchema.safeParse({ counters: [["m", [], -1]], histograms: [] }).success).toBe(false);
    expect(metricBatchSchema.safeParse({ counters: [["m", [], Infinity]], histograms: [] }).success).toBe(false);
    expect(metricBatchSchema.safeParse({ counters: [], histograms: [], extra: 1 }).success).toBe(false);
  });

  it("merges shards' snapshots by summing, applying the cap over their union", () => {
    const one = { counters: [[METRICS.eventsPublished.name, ["t", "a"], 1]], histograms: [], gauges: [[inFlight, ["t", "x"], 2]] } as const;
    const two = { counters: [[METRICS.eventsPublished.name, ["t", "a"], 2], [METRICS.eventsPublished.name, ["t", "b"], 5]], histograms: [], gauges: [[inFlight, ["t", "x"], 1]] } as const;
    const merged = mergeSnapshots([structuredClone(one) as never, structuredClone(two) as never], 1);
    expect(merged.counters).toEqual([[METRICS.eventsPublished.name, ["t", "a"], 3], [METRICS.eventsPublished.name, ["t", "other"], 5]]);
    expect(merged.gauges).toEqual([[inFlight, ["t", "x"], 3]]);
  });
});

describe("gauge writes", () => {
  const restated = (source: string, at: number, value: number) => ({ source, at, samples: [[inFlight, ["t", "x"], value]] as [string, string[], number][] });

  it("writes a source's gauges when new or changed, skips an unchanged restatement, and writes it again once GAUGE_REWRITE_MS passed", () => {
    const writes = new GaugeWrites();
    expect(writes.due(restated("a", 0, 1))).toBe(JSON.stringify([[inFlight, ["t", "x"], 1]]));
    expect(writes.due(restated("a", 1_000, 1))).toBeNull();
    expect(writes.due(restated("b", 1_000, 1))).not.toBeNull();
    expect(writes.due(restated("a", 2_000, 2))).not.toBeNull();
    expect(writes.due(restated("a", 2_000 + GAUGE_REWRITE_MS - 1, 2))).toBeNull();
    expect(writes.due(restated("a", 2_000 + GAUGE_REWRITE_MS, 2))).not.toBeNull();
  });

  it("writes a forgotten (expired) source's gauges again", () => {
    const writes = new GaugeWrites();
    writes.due(restated("a", 0, 1));
    writes.forget("a");
    expect(writes.due(restated("a", 1, 1))).not.toBeNull();
  });
});
