// Runs bind the agents discovery finds (one fresh tenant per test, agents seeded and
// registered first): the run shows which agent served each step and why; a role short
// of min_count refuses the start with 409 and starts nothing; constraints on labels,
// capability roles and optional roles; spawning only when asked; and a retry that moves
// a role off an agent that proved it did not execute (the effect happens once).
import { describe, expect, it } from "vitest";
import { type Body, expectProblem } from "./http.ts";
import { agentState, clientOf, eventually, finished, order, orderClient, register, runOf, seedAgents, seedOrderAgents, startRun, stepOf, workflowEvents } from "./workflows.ts";

const counting = (participant: Record<string, unknown>, name = "tally_flow") => ({
  name,
  version: "1.0.0",
  participants: { tally: { type: "counter", ...participant } },
  flow: [{ step: "count", role: "tally", action: "increment", input: { by: 1 } }],
});

describe("binding discovered agents", () => {
  it("binds the tenant's running agents; the run shows which agent served each step, its score and parts, and the spares", async () => {
    const client = await orderClient();
    await seedAgents(client, "processing_agent", 2, { region: "us" }, "extra");
    const run = await finished(client, (await startRun(client, "order_processing", order("succeed"))).id);
    expect(run.status).toBe("completed");
    const processors = ["processing_agent-1", "processing_agent-2", "extra-1", "extra-2"];
    expect(run.bindings.processor).toHaveLength(2);
    for (const id of run.bindings.processor) expect(processors).toContain(id);
    // The two not bound are kept, ranked, as spares.
    expect(run.roles.processor.spares.map((s: Body) => s.id).sort()).toEqual(processors.filter((id) => !run.bindings.processor.includes(id)).sort());
    for (const name of ["validate_order", "check_inventory", "process_payment", "fulfill_order", "send_confirmation"]) {
      const step = stepOf(run, name);
      expect(step.selection).toEqual({ id: step.agent, how: "discovered", score: expect.any(Number), parts: { capability: 1, health: 1, load: expect.any(Number), locality: 0 } });
    }
    const events = await eventually("the run's events", () => workflowEvents(client, run.id), (list) => list.some((e) => e.type === "workflow.run.completed"));
    expect(events[0]).toMatchObject({ type: "workflow.run.started", data: { bindings: run.bindings, roles: run.roles } });
    expect(events[0].data.roles.validator.agents).toEqual([{ id: "validation_agent-1", how: "discovered", score: expect.any(Number), parts: expect.any(Object) }]);
  });

  it("refuses a start that a role's min_count cannot be met for: 409 naming the role and how many were found; nothing starts; the same request works once agents exist", async () => {
    const client = await clientOf();
    await seedAgents(client, "validation_agent", 1, { region: "us" });
    await seedAgents(client, "processing_agent", 1, { region: "us" });
    const key = { "idempotency-key": "short-1" };
    const input = order("succeed");
    const refused = expectProblem(await client.send("POST", "/v1/workflows/order_processing/runs", input, key), 409, "conflict");
    expect(refused.detail).toBe(`The run cannot start: role 'processor' needs 2 running agents of type 'processing_agent' meeting {"region":"us"}; discovery found 1.`);
    expect(refused).toMatchObject({ code: "participants-unavailable", roles: [{ role: "processor", found: 1, min_count: 2 }] });
    expect((await client.send("GET", "/v1/runs")).body).toEqual({ items: [], next: null });
    expect((await client.send("GET", "/v1/agents?limit=100")).body.items.map((a: Body) => a.id).sort()).toEqual(["processing_agent-1", "validation_agent-1"]);

    await seedAgents(client, "processing_agent", 2, { region: "us" });
    const started = await client.send("POST", "/v1/workflows/order_processing/runs", input, key);
    expect(started.status, started.text).toBe(202);
    expect((await finished(client, started.body.id)).status).toBe("completed");
  });

  it("a validator constrained to region us is never bound to an eu agent, and is refused when only eu agents run", async () => {
    const client = await clientOf();
    await seedAgents(client, "validation_agent", 2, { region: "eu" }, "eu");
    await seedAgents(client, "processing_agent", 2, { region: "us" });
    const refused = expectProblem(await client.send("POST", "/v1/workflows/order_processing/runs", order("succeed")), 409);
    expect(refused.detail).toContain(`role 'validator' needs 1 running agents of type 'validation_agent' meeting {"region":"us"}; discovery found 0`);
    await seedAgents(client, "validation_agent", 1, { region: "us" }, "us");
    const run = await finished(client, (await startRun(client, "order_processing", order("succeed"))).id);
    expect(run.bindings.validator).toEqual(["us-1"]);
    expect(run.roles.validator.spares).toEqual([]);
    expect(stepOf(run, "validate_order").agent).toBe("us-1");
  });

  it("constraints select by several labels", async () => {
    const client = await clientOf();
    await seedAgents(client, "counter", 2, { region: "eu", tier: "gold" }, "gold");
    await seedAgents(client, "counter", 2, { region: "eu", tier: "silver" }, "silver");
    await seedAgents(client, "counter", 2, { region: "us", tier: "gold" }, "us");
    await register(client, counting({ constraints: { region: "eu", tier: "gold" }, min_count: 2 }));
    const run = await finished(client, (await startRun(client, "tally_flow", {})).id);
    expect(run.status).toBe("completed");
    expect([...run.bindings.tally].sort()).toEqual(["gold-1", "gold-2"]);
  });

  it("an optional role with no agent binds none and its steps are skipped", async () => {
    const client = await clientOf();
    await seedAgents(client, "validation_agent", 1, { region: "us" });
    await seedAgents(client, "processing_agent", 2, { region: "us" });
    const run = await finished(client, (await startRun(client, "order_processing", order("succeed"))).id);
    expect(run.status).toBe("completed");
    expect(run.bindings.notifier).toEqual([]);
    expect(stepOf(run, "send_confirmation").status).toBe("skipped");
  });

  it("a capability role binds any deployed type that provides it, and no other", async () => {
    const client = await clientOf();
    await seedAgents(client, "processing_agent", 1);
    await seedAgents(client, "data_processor", 1);
    await register(client, {
      name: "by_capability",
      version: "1.0.0",
      participants: { worker: { capability: { processing: "orders" } } },
      flow: [{ step: "reserve", role: "worker", action: "check_inventory", input: { order_id: "o-1", items: 1 } }],
    });
    const run = await finished(client, (await startRun(client, "by_capability", {})).id);
    expect(run.status).toBe("completed");
    expect(run.bindings.worker).toEqual(["processing_agent-1"]);
    expect(run.roles.worker.spares).toEqual([]);
  });
});

describe("spawning agents for a run", () => {
  it("spawn: true spawns min_count agents for the run (no agent needs to exist); spawn: n spawns n", async () => {
    const client = await clientOf();
    await register(client, counting({ spawn: true }));
    const run = await finished(client, (await startRun(client, "tally_flow", {})).id);
    expect(run.status).toBe("completed");
    expect(run.bindings.tally).toEqual([`${run.id}.tally.1`]);
    expect(stepOf(run, "count").selection).toEqual({ id: `${run.id}.tally.1`, how: "spawned", score: null, parts: null });
    expect(await agentState(client, `${run.id}.tally.1`)).toEqual({ value: 1 });

    await register(client, counting({ spawn: 2 }, "tally_two"));
    const two = await finished(client, (await startRun(client, "tally_two", {})).id);
    expect(two.bindings.tally).toEqual([`${two.id}.tally.1`, `${two.id}.tally.2`]);
  });
});

describe("rebinding", () => {
  const gated = {
    name: "gated_work",
    version: "1.0.0",
    participants: { worker: { type: "flaky" } },
    flow: [
      { await: "go", role: "worker", event: "work.go" },
      { step: "work", role: "worker", action: "work", input: { mode: "ok" }, retry: 2, backoff_ms: 0 },
    ],
  };

  it("a retry moves the role off an agent that proved it did not execute (paused) to the best spare; the effect happens once", async () => {
    const client = await clientOf();
    await seedAgents(client, "flaky", 2);
    await register(client, gated);
    const started = await startRun(client, "gated_work", {});
    const [first] = started.bindings.worker;
    const [spare] = started.roles.worker.spares.map((s: Body) => s.id);
    expect([first, spare].sort()).toEqual(["flaky-1", "flaky-2"]);
    expect((await client.send("POST", `/v1/agents/${first}/pause`)).status).toBe(200);
    expect((await client.send("POST", `/v1/runs/${started.id}/events`, { type: "work.go", role: "worker" })).status).toBe(200);

    const run = await finished(client, started.id);
    expect(run.status).toBe("completed");
    expect(stepOf(run, "work")).toMatchObject({ status: "completed", attempts: 2, agent: spare, selection: { id: spare, how: "rebound" } });
    expect(run.bindings.worker).toEqual([spare]);
    expect(run.rebinds).toEqual([{ step: "work", role: "worker", from: first, to: spare, reason: "agent_paused", attempt: 1, at: expect.any(String) }]);
    const events = await eventually("the run's events", () => workflowEvents(client, run.id), (list) => list.some((e) => e.type === "workflow.run.completed"));
    expect(events.find((e) => e.type === "workflow.step.rebound")?.data).toMatchObject({ step: "work", role: "worker", from: first, to: spare, reason: "agent_paused" });
    // Exactly once: the paused agent did nothing, the spare did it once.
    expect((await agentState(client, first)).effects).toBe(0);
    expect((await agentState(client, spare)).effects).toBe(1);
  });

  it("an agent whose breaker is open is left for the spare too", async () => {
    const client = await clientOf();
    await seedAgents(client, "flaky", 2);
    await register(client, gated);
    const started = await startRun(client, "gated_work", {});
    const [first] = started.bindings.worker;
    const [spare] = started.roles.worker.spares.map((s: Body) => s.id);
    // Three crashing calls open the agent's breaker (threshold 3).
    for (let i = 0; i < 3; i++) await client.send("POST", `/v1/agents/${first}/actions/work`, { mode: "crash" });
    expect((await client.send("GET", `/v1/agents/${first}`)).body.breaker).toMatchObject({ state: "open" });
    expect((await client.send("POST", `/v1/runs/${started.id}/events`, { type: "work.go", role: "worker" })).status).toBe(200);

    const run = await finished(client, started.id);
    expect(run.status).toBe("completed");
    expect(stepOf(run, "work")).toMatchObject({ agent: spare, attempts: 2 });
    expect(run.rebinds).toMatchObject([{ from: first, to: spare, reason: "circuit_open" }]);
    expect((await agentState(client, first)).effects).toBe(0);
    expect((await agentState(client, spare)).effects).toBe(1);
    expect((await runOf(client, run.id)).roles.worker.spares).toEqual([]);
  });
});
