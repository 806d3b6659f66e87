import { describe, expect, it } from "vitest";
import { createTelemetry } from "../telemetry/emitter.ts";
import { agentGauges } from "./agent-gauges.ts";
import { METRICS } from "./catalog.ts";
import { createMetricsCollector } from "./collector.ts";
import { createFlusher } from "./flusher.ts";
import type { MetricBatch } from "./series.ts";

const wired = (options: Parameters<typeof createMetricsCollector>[0] = {}) => {
  let clock = 1_000;
  const telemetry = createTelemetry(() => clock);
  const collector = createMetricsCollector(options);
  telemetry.subscribe((event) => void collector.record(event));
  return { telemetry, collector, tick: (ms: number) => (clock += ms) };
};

describe("collector", () => {
  it("turns an action span into a count and a duration in seconds, by outcome", async () => {
    const { telemetry, collector, tick } = wired();
    const attrs = { tenant: "t", agent_type: "order", action: "create" };
    await telemetry.span("agent.action", attrs, async () => void tick(250));
    await telemetry.span("agent.action", attrs, async () => { throw Object.assign(new Error("x"), { name: "ActionError" }); }).catch(() => undefined);
    const batch = collector.take().get("t")!;
    expect(batch.counters).toEqual(expect.arrayContaining([
      [METRICS.actions.name, ["t", "order", "create", "ok"], 1],
      [METRICS.actions.name, ["t", "order", "create", "failed"], 1],
    ]));
    const ok = batch.histograms.find(([, labels]) => labels[3] === "ok")!;
    expect(ok[2].sum).toBe(0.25);
    expect(collector.pending()).toBe(false);
    expect(collector.take().size).toBe(0);
  });

  it("ships each batch only the series touched since the last one, zero increments included, and forgets idle tenants", () => {
    const { telemetry, collector } = wired();
    telemetry.emit("events.appended", { count: 2 }, { tenant: "a", stream: "s1" });
    telemetry.emit("events.appended", { count: 1 }, { tenant: "a", stream: "s2" });
    telemetry.emit("events.appended", { count: 4 }, { tenant: "b", stream: "s1" });
    expect(collector.take().get("a")!.counters).toEqual([
      [METRICS.eventsPublished.name, ["a", "s1"], 2],
      [METRICS.eventsPublished.name, ["a", "s2"], 1],
    ]);
    telemetry.emit("events.appended", { count: 3 }, { tenant: "a", stream: "s2" });
    telemetry.emit("events.appended", { count: 0 }, { tenant: "a", stream: "s1" });
    const second = collector.take();
    expect(second.get("a")!.counters).toEqual([
      [METRICS.eventsPublished.name, ["a", "s1"], 0],
      [METRICS.eventsPublished.name, ["a", "s2"], 3],
    ]);
    expect(second.has("b")).toBe(false);
    telemetry.emit("events.appended", { count: 5 }, { tenant: "b", stream: "s1" });
    expect(collector.take().get("b")!.counters).toEqual([[METRICS.eventsPublished.name, ["b", "s1"], 5]]);
    expect(collector.take().size).toBe(0);
  });

  it("keeps deltas per tenant, and attributes an event without a tenant to the source's", () => {
    const { telemetry, collector } = wired({ tenant: () => "own" });
    telemetry.emit("events.appended", { count: 3 }, { tenant: "a", stream: "s" });
    telemetry.emit("durable.retry", { attempt: 1 }, { operation: "agent.call" });
    const batches = collector.take();
    expect(batches.get("a")?.counters).toEqual([[METRICS.eventsPublished.name, ["a", "s"], 3]]);
    expect(batches.get("own")?.counters).toEqual([[METRICS.platformRetries.name, ["own", "agent.call"], 1]]);
  });

  it("records only the agent metrics a type chose", async () => {
    const { telemetry, collector } = wired({ agentMetrics: (type) => (type === "quiet" ? ["latency"] : undefined) });
    await telemetry.span("agent.action", { tenant: "t", agent_type: "quiet", action: "a" }, async () => undefined);
    await telemetry.span("agent.action", { tenant: "t", agent_type: "loud", action: "a" }, async () => undefined);
    const batch = collector.take().get("t")!;
    expect(batch.counters.map(([, labels]) => labels[1])).toEqual(["loud"]);
    expect(batch.histograms.map(([, labels]) => labels[1]).sort()).toEqual(["loud", "quiet"]);
  });

  it("restates gauges in every batch (last value), sampled ones included", () => {
    const { telemetry, collector } = wired({ sample: () => agentGauges({ tenant: "t", type: "order", breaker: "open", bulkhead: { active: 2, queued: 1 } }) });
    telemetry.emit("events.subscription_lag", { lag: 7 }, { tenant: "t", stream: "s", subscription: "sub" });
    telemetry.emit("events.subscription_lag", { lag: 4 }, { tenant: "t", stream: "s", subscription: "sub" });
    for (let i = 0; i < 2; i++) {
      expect(collector.take().get("t")?.gauges).toEqual(expect.arrayContaining([
        [METRICS.subscriptionLag.name, ["t", "s", "sub"], 4],
        [METRICS.breakers.name, ["t", "order", "open"], 1],
        [METRICS.bulkheadInFlight.name, ["t", "order"], 2],
        [METRICS.bulkheadQueued.name, ["t", "order"], 1],
      ]));
    }
  });

  it("shared by many objects: each records under its own tenant and type selection, and their series merge into one row", async () => {
    const shared = createMetricsCollector({ kinds: "deltas" });
    const objects = [
      { tenant: () => "t", agentMetrics: () => undefined },
      { tenant: () => "t", agentMetrics: (type: string) => (type === "quiet" ? ["latency"] : undefined) },
      { tenant: () => "u" },
    ];
    for (const scope of objects) {
      const own = createTelemetry(() => 0);
      own.subscribe((event) => void shared.record(event, scope));
      await own.span("agent.action", { agent_type: "loud", action: "a" }, async () => undefined);
      await own.span("agent.action", { agent_type: "quiet", action: "a" }, async () => undefined);
      own.emit("events.subscription_lag", { lag: 3 }, { stream: "s", subscription: "x" });
    }
    const batches = shared.take();
    expect(batches.get("t")!.counters).toEqual([
      [METRICS.actions.name, ["t", "loud", "a", "ok"], 2],
      [METRICS.actions.name, ["t", "quiet", "a", "ok"], 1],
    ]);
    expect(batches.get("t")!.histograms.map(([, labels, h]) => [labels[1], h.count])).toEqual([["loud", 2], ["quiet", 2]]);
    expect(batches.get("u")!.counters).toHaveLength(2);
    // Gauges are not the shared collector's: they stay with each object.
    expect([...batches.values()].every((batch) => (batch.gauges ?? []).length === 0)).toBe(true);
  });

  it("an object's own gauge collector records only gauges", () => {
    const { telemetry, collector } = wired({ kinds: "gauges" });
    telemetry.emit("events.appended", { count: 2 }, { tenant: "t", stream: "s" });
    expect(collector.pending()).toBe(false);
    telemetry.emit("events.subscription_lag", { lag: 7 }, { tenant: "t", stream: "s", subscription: "sub" });
    expect(collector.take().get("t")).toEqual({ counters: [], histograms: [], gauges: [[METRICS.subscriptionLag.name, ["t", "s", "sub"], 7]] });
  });

  it("ignores events it does not map, and events with no tenant to give them", () => {
    const { telemetry, collector } = wired();
    telemetry.emit("outbox.drained", { count: 1 }, { tenant: "t" });
    telemetry.emit("durable.retry", { attempt: 1 }, { operation: "x" });
    expect(collector.pending()).toBe(false);
  });
});

describe("flusher", () => {
  const setup = (intervalMs: number) => {
    let clock = 0;
    const shipped: Map<string, MetricBatch>[] = [];
    const sleeps: number[] = [];
    const { telemetry, collector } = wired();
    const flusher = createFlusher({
      collector,
      intervalMs,
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
      ship: async (batches) => void shipped.push(batches),
    });
    const publish = () => telemetry.emit("events.appended", { count: 1 }, { tenant: "t", stream: "s" });
    return { flusher, publish, shipped, sleeps, advance: (ms: number) => (clock += ms) };
  };

  it("flushes at once after a quiet period, then at most one trailing flush per interval", async () => {
    const { flusher, publish, shipped, sleeps } = setup(1_000);
    expect(flusher.poke()).toBeNull();
    publish();
    await flusher.poke();
    expect(shipped).toHaveLength(1);
    publish();
    const trailing = flusher.poke();
    publish();
    expect(flusher.poke()).toBeNull();
    await trailing;
    expect(sleeps).toEqual([1_000]);
    expect(shipped).toHaveLength(2);
    expect(shipped[1]!.get("t")!.counters[0]![2]).toBe(2);
  });

  it("loses only the batch whose ship failed", async () => {
    let fail = true;
    const errors: unknown[] = [];
    const { telemetry, collector } = wired();
    const shipped: number[] = [];
    const flusher = createFlusher({
      collector,
      intervalMs: 0,
      onError: (error) => errors.push(error),
      ship: async (batches) => {
        if (fail) throw new Error("down");
        shipped.push(batches.get("t")!.counters[0]![2]);
      },
    });
    telemetry.emit("events.appended", { count: 5 }, { tenant: "t", stream: "s" });
    await flusher.poke();
    fail = false;
    telemetry.emit("events.appended", { count: 2 }, { tenant: "t", stream: "s" });
    await flusher.poke();
    expect(errors).toHaveLength(1);
    expect(shipped).toEqual([2]);
  });
});
