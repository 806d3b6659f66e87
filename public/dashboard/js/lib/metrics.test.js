// The overview's rates: parsed from two scrapes of GET /v1/metrics.
import { describe, expect, it } from "vitest";
import { actionTotals, parsePrometheus, RateSeries, ratesBetween } from "./metrics.js";

const scrape = (ok, failed) => `# HELP jido_actions_total Actions finished
# TYPE jido_actions_total counter
jido_actions_total{tenant="t",type="counter",action="increment",outcome="ok"} ${ok}
jido_actions_total{tenant="t",type="counter",action="increment",outcome="failed"} ${failed}
jido_actions_total{tenant="t",type="echo",action="say",outcome="ok"} 1
jido_action_duration_seconds_bucket{tenant="t",type="counter",action="increment",outcome="ok",le="+Inf"} ${ok}
jido_events_published_total{tenant="t",stream="a\\"b"} 4
`;

describe("parsePrometheus", () => {
  it("reads names, labels (with escapes) and values, skipping comments", () => {
    const samples = parsePrometheus(scrape(10, 2));
    expect(samples).toHaveLength(5);
    expect(samples[0]).toEqual({ name: "jido_actions_total", labels: { tenant: "t", type: "counter", action: "increment", outcome: "ok" }, value: 10 });
    expect(samples[3].labels.le).toBe("+Inf");
    expect(samples[4].labels.stream).toBe('a"b');
  });
});

describe("rates", () => {
  it("sums action counters and errors (every outcome but ok)", () => {
    expect(actionTotals(parsePrometheus(scrape(10, 2)))).toEqual({ actions: 13, errors: 2 });
  });

  it("computes per-second rates from two scrapes", () => {
    const before = { at: 1_000, ...actionTotals(parsePrometheus(scrape(10, 2))) };
    const after = { at: 6_000, ...actionTotals(parsePrometheus(scrape(30, 7))) };
    expect(ratesBetween(before, after)).toEqual({ actionsPerSecond: 5, errorsPerSecond: 1, errorRatio: 0.2 });
  });

  it("says nothing when no time passed or a counter went down", () => {
    expect(ratesBetween({ at: 5, actions: 1, errors: 0 }, { at: 5, actions: 2, errors: 0 })).toBeNull();
    expect(ratesBetween({ at: 0, actions: 10, errors: 0 }, { at: 1000, actions: 2, errors: 0 })).toBeNull();
    expect(ratesBetween({ at: 0, actions: 0, errors: 0 }, { at: 1000, actions: 0, errors: 0 })).toEqual({ actionsPerSecond: 0, errorsPerSecond: 0, errorRatio: 0 });
  });

  it("RateSeries adds a point per scrape after the first, bounded, with a gap after a reset", () => {
    const series = new RateSeries(2);
    expect(series.add({ at: 0, actions: 0, errors: 0 })).toBe(false);
    series.add({ at: 2000, actions: 4, errors: 2 });
    series.add({ at: 4000, actions: 1, errors: 0 });
    series.add({ at: 5000, actions: 3, errors: 1 });
    expect(series.data).toEqual([[4, 5], [null, 2], [null, 1]]);
  });
});
