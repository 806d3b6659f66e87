// Failures handled by the run on its own: a step retried under on_error with no
// backoff, and a compensation that keeps failing (tried 3 times, then the run ends
// failed). The test-only `flaky` agent refuses on demand.
import { describe, expect, it } from "vitest";
import { clientOf, finished, register, seedAgents, startRun, stepOf } from "./workflows.ts";

const flaky = (flow: unknown[], extra: Record<string, unknown> = {}) => ({
  name: "flaky_flow",
  version: "1.0.0",
  participants: { worker: { type: "flaky" } },
  flow,
  ...extra,
});

describe("errors inside a run", () => {
  it("retries a refused step under on_error (no backoff): 3 attempts under one key, then fails", async () => {
    const client = await clientOf();
    await seedAgents(client, "flaky", 1);
    await register(client, flaky([{ step: "w", role: "worker", action: "work", input: { mode: "refuse" } }], { error_handling: { on_error: { refused: { retry: 2, backoff_ms: 0 } } } }));
    const run = await finished(client, (await startRun(client, "flaky_flow", {})).id);
    expect(run.status).toBe("failed");
    expect(stepOf(run, "w")).toMatchObject({ status: "failed", attempts: 3, error: { type: "refused" } });
    const agent = (await client.send("GET", `/v1/agents/${run.bindings.worker[0]}`)).body;
    expect(agent.state.effects).toBe(0);
  });

  it("a compensation that keeps failing is tried 3 times, then the run ends failed", async () => {
    const client = await clientOf();
    await seedAgents(client, "flaky", 1);
    // `work` refuses the compensation's input ({step, output, input}), so undoing always fails.
    await register(client, flaky([
      { step: "w", role: "worker", action: "work", input: { mode: "ok" }, compensation: "work" },
      { step: "boom", role: "worker", action: "work", input: { mode: "refuse" } },
    ]));
    const run = await finished(client, (await startRun(client, "flaky_flow", {})).id);
    expect(run.status).toBe("failed");
    expect(run.failure).toMatchObject({ step: "boom", type: "refused" });
    expect(stepOf(run, "w").compensation).toMatchObject({ status: "failed", attempts: 3, error: { status: 400 } });
    const agent = (await client.send("GET", `/v1/agents/${run.bindings.worker[0]}`)).body;
    expect(agent.state.effects).toBe(1);
  });
});
