// A step's outcome that the coordinator never recorded is not lost: the watchdog alarm
// that stands behind every call under way performs the step again under the same
// idempotency key, so the agent answers the first outcome and the effect happens once.
// Both ways of losing it: the coordinator dies while the call is under way, and
// recording the outcome fails in a live coordinator. The test-only `flaky.block` holds
// the call at a gate until the test opens it.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { agentObjectName } from "../../src/platform/agent/naming.ts";
import { until } from "./objects.ts";
import { gates } from "./test-agents.ts";
import { type Client, clientOf, finished, register, runStub, seedAgents, startRun, stepOf } from "./workflows.ts";

const blocking = {
  name: "blocking_flow",
  version: "1.0.0",
  input: { required: ["gate"] },
  participants: { worker: { type: "flaky" } },
  flow: [{ step: "hold", role: "worker", action: "block", input: { gate: "$.input.gate" }, timeout: 60_000 }],
};

/** Starts a run whose one step waits at a fresh gate; answers once the agent is there. */
const blockedRun = async (client: Client) => {
  await register(client, blocking);
  await seedAgents(client, "flaky", 1);
  const gate = `gate-${crypto.randomUUID()}`;
  const started = await startRun(client, "blocking_flow", { gate });
  await until(`the step to reach ${gate}`, () => gates.has(gate));
  const agent: string = started.bindings.worker[0];
  /** Opens the gate from inside the agent's object (the resolver belongs to its I/O context). */
  const open = () =>
    runInDurableObject(env.AGENTS.get(env.AGENTS.idFromName(agentObjectName(client.tenant, agent))), () => {
      const resolve = gates.get(gate);
      gates.delete(gate);
      resolve?.();
    });
  return { id: started.id as string, agent, open };
};

const effectsOf = async (client: Client, agent: string): Promise<number> => (await client.send("GET", `/v1/agents/${agent}`)).body.state.effects;

describe("a step outcome the coordinator did not record", () => {
  it("is recovered after the coordinator dies during the call: performed again under its key, the effect once", async () => {
    const client = await clientOf();
    const run = await blockedRun(client);
    await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => state.abort("restarted by test")).catch(() => undefined);
    await run.open();
    const done = await finished(client, run.id);
    expect(done.status).toBe("completed");
    expect(stepOf(done, "hold")).toMatchObject({ status: "completed", output: { effects: 1 } });
    expect(await effectsOf(client, run.agent)).toBe(1);
  });

  it("is recovered when recording it fails in a live coordinator", async () => {
    const client = await clientOf();
    const run = await blockedRun(client);
    // The next transaction of the coordinator (recording the outcome) fails, once.
    await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => {
      const storage = state.storage;
      Object.defineProperty(storage, "transactionSync", {
        configurable: true,
        writable: true,
        value: () => {
          Reflect.deleteProperty(storage, "transactionSync");
          throw new Error("storage unavailable (test)");
        },
      });
    });
    await run.open();
    const done = await finished(client, run.id);
    expect(done.status).toBe("completed");
    expect(stepOf(done, "hold")).toMatchObject({ status: "completed", attempts: 1, output: { effects: 1 } });
    expect(await effectsOf(client, run.agent)).toBe(1);
    // The failure was the injected one, and it happened.
    expect(await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => Object.hasOwn(state.storage, "transactionSync"))).toBe(false);
  });
});
