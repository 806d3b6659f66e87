import { describe, expect, it } from "vitest";
import { createTelemetry } from "../telemetry/emitter.ts";
import { agentGauges } from "./agent-gauges.ts";
import { GAUGE_RESTATE_MS, GAUGE_TTL_MS } from "./aggregate.ts";
import { METRICS } from "./catalog.ts";
import { createMetricsCollector } from "./collector.ts";
import { createFlusher } from "./flusher.ts";
import type { MetricBatch } from "./series.ts";
import { DIRECTORY_REFRESH_MS, refreshDelay } from "../discovery/shards.ts";

describe("an isolate's shared flusher", () => {
  it("ships the actions of many objects as one batch per tenant, once per interval", async () => {
    let clock = 0;
    const timers: (() => void)[] = [];
    const shipped: Map<string, MetricBatch>[] = [];
    const shared = createMetricsCollector({ kinds: "deltas" });
    const flusher = createFlusher({ collector: shared, intervalMs: 1_000, now: () => clock, sleep: () => new Promise<void>((resolve) => timers.push(resolve)), ship: async (b) => void shipped.push(b) });
    const agents = Array.from({ length: 50 }, () => {
      const telemetry = createTelemetry(() => clock);
      telemetry.subscribe((event) => {
        if (shared.record(event, { tenant: () => "t" })) void flusher.poke();
      });
      return telemetry;
    });
    await flusher.poke(true); // the interval starts: what follows waits for the trailing run
    clock += 10;
    for (const agent of agents) for (let i = 0; i < 3; i++) await agent.span("agent.action", { agent_type: "order", action: "create" }, async () => undefined);
    expect(timers).toHaveLength(1);
    clock += 1_000;
    timers[0]!();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(shipped).toHaveLength(1);
    const batch = shipped[0]!.get("t")!;
    expect(batch.counters).toEqual([[METRICS.actions.name, ["t", "order", "create", "ok"], 150]]);
    expect(batch.histograms).toHaveLength(1);
    expect(batch.histograms[0]![2].count).toBe(150);
  });

  it("re-armed after the armed run was lost (its object evicted), ships everything recorded meanwhile: nothing taken, nothing lost", async () => {
    let clock = 0;
    const timers: (() => void)[] = [];
    const shipped: number[] = [];
    const { telemetry, collector } = (() => {
      const telemetry = createTelemetry(() => clock);
      const collector = createMetricsCollector({ kinds: "deltas" });
      telemetry.subscribe((event) => void collector.record(event));
      return { telemetry, collector };
    })();
    const flusher = createFlusher({ collector, intervalMs: 1_000, maxStretch: 1, now: () => clock, sleep: () => new Promise<void>((resolve) => timers.push(resolve)), ship: async (b) => void shipped.push(b.get("t")!.counters[0]![2]) });
    const publish = (count: number) => telemetry.emit("events.appended", { count }, { tenant: "t", stream: "s" });
    publish(1);
    await flusher.poke();
    clock += 10;
    publish(2);
    expect(flusher.poke()).not.toBeNull(); // armed; its timer never fires
    clock += 1_500;
    publish(3);
    expect(flusher.poke()).toBeNull(); // not yet overdue by an interval
    clock += 1_000;
    publish(4);
    await flusher.poke(); // overdue: taken for lost, re-armed and due at once
    expect(shipped).toEqual([1, 9]);
  });
});

describe("an object's gauge flusher (restateMs)", () => {
  const setup = () => {
    let clock = 0;
    let state = { breaker: "closed", active: 0 };
    const shipped: Map<string, MetricBatch>[] = [];
    const telemetry = createTelemetry(() => clock);
    const collector = createMetricsCollector({ kinds: "gauges", sample: () => agentGauges({ tenant: "t", type: "order", breaker: state.breaker, bulkhead: { active: state.active, queued: 0 } }) });
    telemetry.subscribe((event) => void collector.record(event));
    const flusher = createFlusher({ collector, intervalMs: 0, restateMs: GAUGE_RESTATE_MS, now: () => clock, ship: async (b) => void shipped.push(b) });
    return { telemetry, flusher, shipped, set: (next: typeof state) => (state = next), advance: (ms: number) => (clock += ms) };
  };

  it("ships gauges the first time and when they change, and skips an unchanged restatement until GAUGE_RESTATE_MS, the alarm's flush included", async () => {
    const { telemetry, flusher, shipped, set, advance } = setup();
    await flusher.poke(true);
    expect(shipped).toHaveLength(1);
    advance(1_000);
    await flusher.poke(true);
    expect(shipped).toHaveLength(1); // unchanged: skipped
    set({ breaker: "open", active: 0 });
    await flusher.poke(true);
    expect(shipped).toHaveLength(2);
    expect(shipped[1]!.get("t")!.gauges).toContainEqual([METRICS.breakers.name, ["t", "order", "open"], 1]);
    advance(GAUGE_RESTATE_MS);
    await flusher.poke(true);
    expect(shipped).toHaveLength(3); // unchanged, but due for restating
    advance(1_000);
    await flusher.flush();
    expect(shipped).toHaveLength(3); // an alarm soon after: nothing to restate
    advance(GAUGE_RESTATE_MS);
    await flusher.flush();
    expect(shipped).toHaveLength(4); // an alarm once due restates them
    // An event-set gauge that changes ships.
    telemetry.emit("events.subscription_lag", { lag: 5 }, { tenant: "t", stream: "s", subscription: "x" });
    await flusher.poke();
    expect(shipped).toHaveLength(5);
  });

  it("never skips a batch that carries deltas", async () => {
    let clock = 0;
    const shipped: MetricBatch[] = [];
    const telemetry = createTelemetry(() => clock);
    const collector = createMetricsCollector();
    telemetry.subscribe((event) => void collector.record(event));
    const flusher = createFlusher({ collector, intervalMs: 0, restateMs: GAUGE_RESTATE_MS, now: () => clock, ship: async (b) => void shipped.push(b.get("t")!) });
    for (let i = 0; i < 2; i++) {
      telemetry.emit("events.appended", { count: 1 }, { tenant: "t", stream: "s" });
      clock += 10;
      await flusher.poke();
    }
    expect(shipped.map((b) => b.counters[0]![2])).toEqual([1, 1]);
  });

  it("an agent's periodic alarm restates its gauges before the aggregator expires them, even with one alarm missed", () => {
    // Worst case: an alarm just before the restatement is due skips it; the next two are missed but one.
    const longest = refreshDelay(() => 1);
    expect(longest).toBeGreaterThanOrEqual(DIRECTORY_REFRESH_MS);
    expect(GAUGE_RESTATE_MS + 2 * longest).toBeLessThan(GAUGE_TTL_MS);
  });
});
