// Where a scrape's numbers come from inside workerd: the counters of many agents merge
// in their isolate's collector and still add up exactly, and an idle agent's gauges,
// which its own flushes no longer restate unchanged, are restated when its alarm wakes it.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eventually } from "./eventually.ts";
import { newTenant } from "./tokens.ts";
import { agentObjectName } from "../../src/platform/agent/naming.ts";
import { metricsShardCount, metricsShardName } from "../../src/platform/metrics/shards.ts";
import { as, parseSamples, type Series, sum } from "./metric-samples.ts";

const scrape = async (tenant: string): Promise<Series[]> => {
  const reply = await (await as(tenant))("GET", "/v1/metrics");
  expect(reply.status, reply.text).toBe(200);
  return parseSamples(reply.text);
};

describe("metrics sources", () => {
  it("counts the actions of many agents exactly once each", async () => {
    const tenant = newTenant("ms");
    const send = await as(tenant);
    const ids = ["a", "b", "c", "d", "e", "f"];
    for (const id of ids) expect((await send("POST", "/v1/agents", { type: "counter", id })).status).toBe(201);
    for (const id of ids) for (let i = 0; i < 2; i++) expect((await send("POST", `/v1/agents/${id}/actions/increment`, { by: 1 })).status).toBe(200);
    const ok = { type: "counter", action: "increment", outcome: "ok" };
    let series = await eventually("twelve actions", () => scrape(tenant), (s) => sum(s, "jido_actions_total", ok) >= 12);
    expect(sum(series, "jido_actions_total", ok)).toBe(12);
    expect(sum(series, "jido_action_duration_seconds_count", ok)).toBe(12);
    expect(series.filter((s) => s.name === "jido_actions_total" && s.labels.outcome === "ok")).toHaveLength(1);
    expect((await send("POST", "/v1/agents/a/actions/increment", { by: 1 })).status).toBe(200);
    series = await eventually("thirteen actions", () => scrape(tenant), (s) => sum(s, "jido_actions_total", ok) >= 13);
    expect(sum(series, "jido_actions_total", ok)).toBe(13);
    // Every agent's gauges are there: one closed breaker per agent.
    expect(sum(series, "jido_circuit_breakers", { type: "counter", status: "closed" })).toBe(ids.length);
  });

  it("restates an idle, evicted agent's gauges when its alarm wakes it", async () => {
    const tenant = newTenant("ms");
    const send = await as(tenant);
    expect((await send("POST", "/v1/agents", { type: "counter", id: "idle" })).status).toBe(201);
    expect((await send("POST", "/v1/agents/idle/actions/increment", { by: 1 })).status).toBe(200);
    const closed = { type: "counter", status: "closed" };
    // Sampled once the action has left the bulkhead: at rest, not in flight.
    const rest = await eventually("its gauges", () => scrape(tenant), (s) => sum(s, "jido_circuit_breakers", closed) === 1);
    expect(rest.find((s) => s.name === "jido_bulkhead_in_flight" && s.labels.type === "counter")?.value).toBe(0);
    const agent = () => env.AGENTS.get(env.AGENTS.idFromName(agentObjectName(tenant, "idle")));
    // The aggregators forget them (as when a source expires): stored rows gone, memory rebuilt from storage.
    for (let shard = 0; shard < metricsShardCount(env.JIDO_METRICS_SHARDS); shard++) {
      const stub = env.METRICS.get(env.METRICS.idFromName(metricsShardName(tenant, shard)));
      await runInDurableObject(stub, (_instance, state) => void state.storage.sql.exec("DELETE FROM gauges"));
      await runInDurableObject(stub, (_instance, state) => state.abort("forgetting gauges")).catch(() => undefined);
    }
    expect(sum(await scrape(tenant), "jido_circuit_breakers", closed)).toBe(0);
    // Idle, evicted (as objects are after a while), unchanged: only its alarm restates them.
    await runInDurableObject(agent(), (_instance, state) => state.abort("evicted")).catch(() => undefined);
    expect(await runDurableObjectAlarm(agent())).toBe(true);
    const series = await eventually("the alarm's restatement", () => scrape(tenant), (s) => sum(s, "jido_circuit_breakers", closed) === 1);
    expect(sum(series, "jido_actions_total", { type: "counter" })).toBe(1);
  });
});
