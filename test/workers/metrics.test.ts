// GET /v1/metrics inside workerd: what the agents, streams and workflow runs of a tenant
// did shows up in its scrape (through the sources' flushes and the aggregator shards),
// only in its own, only for a token holding metrics:read, and in either format.
import "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectProblem } from "./http.ts";
import { eventually } from "./eventually.ts";
import { newTenant } from "./tokens.ts";
import { finished, order, orderClient, startRun } from "./workflows.ts";
import { as, parseSamples, type Series, sum } from "./metric-samples.ts";

const scrape = async (tenant: string): Promise<Series[]> => {
  const reply = await (await as(tenant))("GET", "/v1/metrics");
  expect(reply.status, reply.text).toBe(200);
  expect(reply.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return parseSamples(reply.text);
};

describe("GET /v1/metrics", () => {
  it("counts a tenant's actions by outcome, with their durations, and the events it published", async () => {
    const tenant = newTenant("m");
    const send = await as(tenant);
    expect((await send("POST", "/v1/agents", { type: "counter", id: "c1" })).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await send("POST", "/v1/agents/c1/actions/increment", { by: 1 })).status).toBe(200);
    expect((await send("POST", "/v1/agents/c1/actions/increment", { by: Number.MAX_SAFE_INTEGER })).status).toBe(422);
    expect((await send("POST", "/v1/events", [{ source: "shop", type: "order.paid" }, { source: "shop", type: "order.shipped" }])).status).toBe(201);
    const series = await eventually("the scrape to count every call and event", () => scrape(tenant), (s) =>
      sum(s, "jido_actions_total", { type: "counter", outcome: "ok" }) === 3 &&
      sum(s, "jido_actions_total", { type: "counter", outcome: "failed" }) === 1 &&
      sum(s, "jido_events_published_total") >= 2,
    );
    expect(sum(series, "jido_action_duration_seconds_count", { type: "counter", action: "increment" })).toBe(4);
    expect(series.find((s) => s.name === "jido_action_duration_seconds_bucket" && s.labels.le === "+Inf" && s.labels.outcome === "ok")?.value).toBe(3);
    // Every sample is the tenant's, and no agent id is a label.
    expect(series.every((s) => s.labels.tenant === tenant)).toBe(true);
    expect(JSON.stringify(series)).not.toContain("c1");
    // The counter type records every agent metric: its gauges are there.
    expect(series.some((s) => s.name === "jido_circuit_breakers" && s.labels.type === "counter" && s.labels.status === "closed")).toBe(true);
  });

  it("counts runs started and finished by status, and step durations", async () => {
    // order_processing binds discovered agents: the tenant's are seeded first.
    const client = await orderClient(newTenant("m"));
    const tenant = client.tenant;
    const run = await finished(client, (await startRun(client, "order_processing", order("succeed"))).id);
    const series = await eventually("the run in the scrape", () => scrape(tenant), (s) =>
      sum(s, "jido_runs_finished_total", { workflow: "order_processing", status: run.status }) === 1,
    );
    expect(sum(series, "jido_runs_started_total", { workflow: "order_processing" })).toBe(1);
    expect(sum(series, "jido_step_duration_seconds_count", { workflow: "order_processing", outcome: "completed" })).toBeGreaterThan(0);
  });

  it("records only the agent metrics a type's observability.metrics chose", async () => {
    const tenant = newTenant("m");
    const send = await as(tenant);
    expect((await send("POST", "/v1/agents", { type: "data_processor", id: "dp" })).status).toBe(201);
    expect((await send("POST", "/v1/agents", { type: "counter", id: "c" })).status).toBe(201);
    expect((await send("POST", "/v1/agents/c/actions/increment", { by: 1 })).status).toBe(200);
    expect((await send("POST", "/v1/agents/dp/actions/process_stream", { format: "json", payload: "[]" })).status).toBe(200);
    const series = await eventually("both agents' metrics", () => scrape(tenant), (s) =>
      sum(s, "jido_actions_total", { type: "data_processor" }) >= 1 && s.some((x) => x.name === "jido_bulkhead_in_flight" && x.labels.type === "counter"),
    );
    // data_processor lists throughput, latency and error_rate: no bulkhead or breaker gauges.
    expect(series.some((s) => s.labels.type === "data_processor" && (s.name.startsWith("jido_bulkhead") || s.name.startsWith("jido_circuit")))).toBe(false);
  });

  it("answers OpenMetrics on Accept: application/openmetrics-text", async () => {
    const reply = await (await as(newTenant("m")))("GET", "/v1/metrics", undefined, { accept: "application/openmetrics-text; version=1.0.0" });
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
    expect(reply.text).toContain("# TYPE jido_actions counter");
    expect(reply.text.endsWith("# EOF\n")).toBe(true);
  });

  it("refuses a token without metrics:read (403 naming it), changes nothing, and counts the denial", async () => {
    const tenant = newTenant("m");
    const before = await scrape(tenant);
    const reply = await (await as(tenant, ["agents:*"]))("GET", "/v1/metrics");
    expect(expectProblem(reply, 403).detail).toContain("metrics:read");
    expect(reply.text).not.toContain("jido_");
    const after = await eventually("the denial counted", () => scrape(tenant), (s) => sum(s, "jido_authorization_denials_total") === 1);
    // Besides the denial, only its audit record (an event on the audit stream) is new.
    const unrelated = (s: Series) => s.name !== "jido_authorization_denials_total" && s.labels.stream !== "audit";
    expect(sum(after, "jido_events_published_total", { stream: "audit" })).toBe(1);
    expect(after.filter(unrelated)).toEqual(before.filter(unrelated));
    const reader = await (await as(tenant, ["metrics:read"]))("GET", "/v1/metrics");
    expect(reader.status).toBe(200);
  });

  it("keeps tenants apart: one tenant's scrape never shows another's series", async () => {
    const [a, b] = [newTenant("ma"), newTenant("mb")];
    const sendA = await as(a);
    expect((await sendA("POST", "/v1/agents", { type: "counter", id: "x" })).status).toBe(201);
    expect((await sendA("POST", "/v1/agents/x/actions/increment", { by: 2 })).status).toBe(200);
    await eventually("a's action counted", () => scrape(a), (s) => sum(s, "jido_actions_total") === 1);
    const seenByB = await scrape(b);
    expect(seenByB.filter((s) => s.labels.tenant === a)).toEqual([]);
    expect(sum(seenByB, "jido_actions_total")).toBe(0);
  });
});
