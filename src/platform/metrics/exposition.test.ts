import { describe, expect, it } from "vitest";
import { METRICS } from "./catalog.ts";
import { escapeLabelValue, formatFor, formatNumber, renderMetrics } from "./exposition.ts";
import { emptyHistogram, observe } from "./series.ts";

const bounds = METRICS.actionDuration.buckets!;
const h = observe(observe(emptyHistogram(bounds), bounds, 0.003), bounds, 2);
const snapshot = {
  counters: [[METRICS.actions.name, ["t", "order", "create", "ok"], 2]],
  histograms: [[METRICS.actionDuration.name, ["t", "order", "create", "ok"], h]],
  gauges: [[METRICS.bulkheadInFlight.name, ["t", "order"], 1]],
} as const;
const lines = (text: string) => text.split("\n");

describe("exposition", () => {
  it("escapes backslash, double quote and newline in label values", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const text = renderMetrics({ counters: [[METRICS.eventsPublished.name, ["t", 'we"ird\\\n']]].map(([m, l]) => [m, l, 1]) as never, histograms: [], gauges: [] }, "prometheus");
    expect(text).toContain('jido_events_published_total{tenant="t",stream="we\\"ird\\\\\\n"} 1');
  });

  it("renders the Prometheus text format: HELP and TYPE for every family, cumulative buckets, +Inf, _sum and _count", () => {
    const text = renderMetrics(snapshot as never, "prometheus");
    expect(lines(text)).toEqual(expect.arrayContaining([
      "# TYPE jido_actions_total counter",
      'jido_actions_total{tenant="t",type="order",action="create",outcome="ok"} 2',
      "# TYPE jido_action_duration_seconds histogram",
      'jido_action_duration_seconds_bucket{tenant="t",type="order",action="create",outcome="ok",le="0.001"} 0',
      'jido_action_duration_seconds_bucket{tenant="t",type="order",action="create",outcome="ok",le="0.005"} 1',
      'jido_action_duration_seconds_bucket{tenant="t",type="order",action="create",outcome="ok",le="1.0"} 1',
      'jido_action_duration_seconds_bucket{tenant="t",type="order",action="create",outcome="ok",le="2.5"} 2',
      'jido_action_duration_seconds_bucket{tenant="t",type="order",action="create",outcome="ok",le="+Inf"} 2',
      'jido_action_duration_seconds_sum{tenant="t",type="order",action="create",outcome="ok"} 2.003',
      'jido_action_duration_seconds_count{tenant="t",type="order",action="create",outcome="ok"} 2',
      "# TYPE jido_bulkhead_in_flight gauge",
      'jido_bulkhead_in_flight{tenant="t",type="order"} 1',
      "# TYPE jido_runs_started_total counter",
    ]));
    expect(text).not.toContain("# EOF");
    expect(text.endsWith("\n")).toBe(true);
  });

  it("renders OpenMetrics: counter families without _total, samples with it, ending in # EOF", () => {
    const text = renderMetrics(snapshot as never, "openmetrics");
    expect(lines(text)).toEqual(expect.arrayContaining([
      "# TYPE jido_actions counter",
      'jido_actions_total{tenant="t",type="order",action="create",outcome="ok"} 2',
      "# TYPE jido_action_duration_seconds histogram",
    ]));
    expect(text.endsWith("# EOF\n")).toBe(true);
  });

  it("chooses OpenMetrics only when Accept asks for it", () => {
    expect(formatFor("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")).toBe("openmetrics");
    expect(formatFor("text/plain")).toBe("prometheus");
    expect(formatFor(undefined)).toBe("prometheus");
  });

  it("formats special floats as Prometheus does", () => {
    expect([Infinity, -Infinity, NaN, 0.25, 3].map(formatNumber)).toEqual(["+Inf", "-Inf", "NaN", "0.25", "3"]);
  });
});
