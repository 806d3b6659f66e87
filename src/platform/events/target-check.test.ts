import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineAgent } from "../agent/define-agent.ts";
import { createAgentRegistry } from "../agent/registry.ts";
import { checkAgentTarget, type AgentTarget } from "./target-check.ts";

const tally = defineAgent({
  name: "tally",
  version: "1.0.0",
  state: { schema: z.strictObject({ n: z.number().int() }), initial: { n: 0 } },
  actions: (action) => ({
    add: action({
      input: z.strictObject({ by: z.number().int().min(1), note: z.string().optional() }),
      output: z.strictObject({ n: z.number().int() }),
      run: ({ by }, ctx) => ({ result: { n: ctx.state.n + by }, state: { n: ctx.state.n + by } }),
    }),
    reset: action({ input: z.strictObject({}), output: z.strictObject({}), run: () => ({ result: {}, state: { n: 0 } }) }),
  }),
});
const registry = createAgentRegistry([tally]);
const target = (change: Partial<AgentTarget> = {}): AgentTarget => ({ kind: "agent", agent: "t1", action: "add", input: { by: 1 }, ...change });

describe("checkAgentTarget", () => {
  it("accepts an existing agent, an action of its type and input the action accepts", async () => {
    expect(await checkAgentTarget(target(), "tally", registry)).toEqual([]);
    expect(await checkAgentTarget(target({ input: { by: 2, note: "from events" } }), "tally", registry)).toEqual([]);
  });

  it("cannot check input that comes from the events, so accepts it", async () => {
    expect(await checkAgentTarget(target({ input: "data" }), "tally", registry)).toEqual([]);
    expect(await checkAgentTarget(target({ input: "event" }), "tally", registry)).toEqual([]);
    expect(await checkAgentTarget(target({ input: { by: "$.data.qty" } }), "tally", registry)).toEqual([]);
  });

  it("refuses an agent that does not exist", async () => {
    expect(await checkAgentTarget(target(), null, registry)).toEqual([{ path: "target.agent", message: "agent 't1' not found" }]);
  });

  it("refuses an agent whose type is not hosted", async () => {
    expect(await checkAgentTarget(target(), "gone", registry)).toEqual([
      { path: "target.agent", message: "agent 't1' is of type 'gone', which this deployment does not host" },
    ]);
  });

  it("refuses an action the agent's type does not have, listing the ones it has", async () => {
    expect(await checkAgentTarget(target({ action: "increment" }), "tally", registry)).toEqual([
      { path: "target.action", message: "'increment' is not an action of type 'tally' (its actions: add, reset)" },
    ]);
    // Inherited properties are not actions.
    expect((await checkAgentTarget(target({ action: "constructor" }), "tally", registry))[0]?.path).toBe("target.action");
  });

  it("refuses constant input the action's schema refuses, with the schema's issues under target.input", async () => {
    const errors = await checkAgentTarget(target({ input: { by: 0, extra: true } }), "tally", registry);
    expect(errors.map((e) => e.path).sort()).toEqual(["target.input.by", "target.input.extra"]);
    expect(await checkAgentTarget(target({ input: {} }), "tally", registry)).toEqual([{ path: "target.input.by", message: expect.stringContaining("expected number") }]);
  });
});
