// A configuration change takes effect without a redeploy: the rate limit a token meets,
// an agent's circuit-breaker threshold, and what an action reads in ctx.config and
// ctx.flags, with onConfigChange told the changed paths before its next action.
// (In this test pool the Worker and the objects share one isolate, whose copy the write
// replaces at once; other isolates reload within CONFIG_MAX_STALENESS_MS, see reader.test.ts.)
import { describe, expect, it } from "vitest";
import { expectProblem } from "./http.ts";
import { admin, client } from "./security.ts";
import { eventually } from "./eventually.ts";
import { newTenant } from "./tokens.ts";
import { busClient, readAll } from "./bus.ts";

describe("hot reload", () => {
  it("a lower rate limit reaches the tokens of the tenant", async () => {
    const tenant = newTenant("hot");
    const api = await admin(tenant);
    // No `rps` claim: this token's rate is the tenant's configuration.
    const user = await client({ tenant, caps: ["agent-types:read"] });
    for (let i = 0; i < 5; i++) expect((await user.get("/v1/agent-types")).status).toBe(200);
    expect((await api.send("PATCH", "/v1/config", { infrastructure: { rateLimit: { rps: 1 } } })).status).toBe(200);
    // A lease taken before the change (a tenth of the old rate) may still be spent for up to a second.
    const limited = await eventually("a 429", () => user.get("/v1/agent-types"), (reply) => reply.status === 429);
    expectProblem(limited, 429, "rate-limited");
    expect(limited.body.detail).toContain("1 requests per second");
  });

  it("a lower circuit-breaker threshold opens an agent's breaker sooner", async () => {
    const tenant = newTenant("hot");
    const api = await admin(tenant);
    expect((await api.post("/v1/agents", { type: "flaky", id: "f1" })).status).toBe(201);
    // The type's own threshold is 3: one failure leaves the breaker closed.
    expect((await api.post("/v1/agents/f1/actions/work", { mode: "crash" })).status).toBe(500);
    expect((await api.get("/v1/agents/f1")).body.breaker).toMatchObject({ state: "closed", failures: 1 });
    expect((await api.send("PATCH", "/v1/config", { infrastructure: { circuitBreakerThreshold: 1 } })).status).toBe(200);
    expect((await api.post("/v1/agents/f1/actions/work", { mode: "crash" })).status).toBe(500);
    expectProblem(await api.post("/v1/agents/f1/actions/work", { mode: "ok" }), 503, "circuit-open");

    // Back to the type's own threshold (null): another agent needs 3 failures again.
    expect((await api.send("PATCH", "/v1/config", { infrastructure: { circuitBreakerThreshold: null } })).status).toBe(200);
    expect((await api.post("/v1/agents", { type: "flaky", id: "f2" })).status).toBe(201);
    for (let i = 0; i < 2; i++) expect((await api.post("/v1/agents/f2/actions/work", { mode: "crash" })).status).toBe(500);
    expect((await api.post("/v1/agents/f2/actions/work", { mode: "ok" })).status).toBe(200);
  });

  it("an action reads ctx.config and ctx.flags, and onConfigChange is told the changed paths", async () => {
    const bus = await busClient(newTenant("hot"));
    expect((await bus.send("POST", "/v1/agents", { type: "configured", id: "c1", labels: { region: "eu" } })).status).toBe(201);
    const before = await bus.send("POST", "/v1/agents/c1/actions/read", { flag: "beta" });
    expect(before.status, before.text).toBe(200);
    expect(before.body).toMatchObject({ rps: 100000, clusterName: "jido", flag: { reason: "ERROR", errorCode: "FLAG_NOT_FOUND" }, enabled: false, changes: [] });

    const patch = {
      platform: { clusterName: "blue" },
      flags: { beta: { type: "boolean", variants: { on: true, off: false }, defaultVariant: "off", rules: [{ when: { agentType: "configured", "label.region": "eu" }, variant: "on" }] } },
    };
    expect((await bus.send("PATCH", "/v1/config", patch)).status).toBe(200);
    const after = await bus.send("POST", "/v1/agents/c1/actions/read", { flag: "beta" });
    expect(after.status, after.text).toBe(200);
    expect(after.body).toMatchObject({
      clusterName: "blue",
      flag: { key: "beta", value: true, variant: "on", reason: "TARGETING_MATCH" },
      enabled: true,
      changes: [{ version: 1, changed: ["flags.beta", "platform.clusterName"] }],
    });
    // The hook's event is committed with its state, like an action's.
    const events = await eventually("the hook's event", () => readAll(bus, "configured"), (items) => items.length === 1);
    expect(events[0]).toMatchObject({ type: "configured.reconfigured", data: { version: 1, previousVersion: 0 } });

    // The kill switch.
    expect((await bus.send("PATCH", "/v1/config", { flags: { beta: { enabled: false } } })).status).toBe(200);
    const killed = await bus.send("POST", "/v1/agents/c1/actions/read", { flag: "beta" });
    expect(killed.body).toMatchObject({ flag: { value: false, reason: "DISABLED" }, enabled: false });
    expect(killed.body.changes.at(-1)).toEqual({ version: 2, changed: ["flags.beta.enabled"] });
  });

  it("an action without a timeout of its own takes agents.defaultTimeoutMs", async () => {
    const api = await admin(newTenant("hot"));
    expect((await api.post("/v1/agents", { type: "configured", id: "c2" })).status).toBe(201);
    expect((await api.post("/v1/agents/c2/actions/wait", { ms: 200 })).status).toBe(200);
    expect((await api.send("PATCH", "/v1/config", { agents: { defaultTimeoutMs: 20 } })).status).toBe(200);
    expectProblem(await api.post("/v1/agents/c2/actions/wait", { ms: 5_000 }), 504, "action-timeout");
  });
});
