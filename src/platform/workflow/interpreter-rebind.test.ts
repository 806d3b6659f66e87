// Rebinding, driven by hand (interpreter-fixtures.ts): a retry moves the role to its best
// spare only when the agent proved it did not execute; an ambiguous failure retries the
// same agent with the same key; the step records which agent served it and why.
import { describe, expect, it } from "vitest";
import type { RoleBinding } from "./binding.ts";
import { define, Run, s } from "./interpreter-fixtures.ts";

const parts = { capability: 1, health: 1, load: 0.5, locality: 0 };
const roles = (): Record<string, RoleBinding> => ({
  p: { agents: [{ id: "p1", how: "discovered", score: 0.9, parts }], spares: [{ id: "p2", how: "discovered", score: 0.8, parts }] },
  n: { agents: [], spares: [] },
});
const retried = define([s("a", { retry: 2, backoff_ms: 0 }), s("b")]);

describe("rebinding", () => {
  it("records which agent served a step and why", () => {
    const run = new Run(retried, { p: ["p1"], n: [] }, {}, roles());
    expect(run.state.steps.a).toMatchObject({ agent: "p1", selection: { id: "p1", how: "discovered", score: 0.9, parts } });
  });

  it("a retry after an agent proved it did not execute moves the role to the best spare, same key", () => {
    const run = new Run(retried, { p: ["p1"], n: [] }, {}, roles());
    const first = run.open[0]!;
    run.fail("a", "circuit-open", "circuit_open").tick(0);
    const second = run.take("call", "a");
    expect(second).toMatchObject({ agent: "p2", key: first.key });
    expect(first.key).toBe("wf:r1:a");
    expect(run.state.bindings.p).toEqual(["p2"]);
    expect(run.state.steps.a).toMatchObject({ agent: "p2", attempts: 2, selection: { id: "p2", how: "rebound", score: 0.8 } });
    expect(run.state.rebinds).toEqual([{ step: "a", role: "p", from: "p1", to: "p2", reason: "circuit_open", attempt: 1, at: run.now }]);
    expect(run.events.find((e) => e.type === "workflow.step.rebound")?.data).toMatchObject({ step: "a", role: "p", from: "p1", to: "p2", reason: "circuit_open" });
    // The role's later steps go to the new agent too.
    run.answer(second, { ok: true, output: {} });
    expect(run.take("call", "b").agent).toBe("p2");
  });

  it("an ambiguous failure retries the same agent with the same key", () => {
    const run = new Run(retried, { p: ["p1"], n: [] }, {}, roles());
    run.fail("a", "temporarily-unavailable", null).tick(0);
    expect(run.take("call", "a")).toMatchObject({ agent: "p1", key: "wf:r1:a" });
    expect(run.state.rebinds).toEqual([]);
    expect(run.types()).not.toContain("workflow.step.rebound");
  });

  it("a timed-out step retries the same agent (its call may still take effect)", () => {
    const run = new Run(define([s("a", { retry: 1, backoff_ms: 0, timeout: 100 })]), { p: ["p1"], n: [] }, {}, roles());
    run.tick(100).tick(0);
    expect(run.take("call", "a")).toMatchObject({ agent: "p1", key: "wf:r1:a" });
  });

  it("without a spare, or without a retry, nothing is rebound", () => {
    const none = { ...roles(), p: { agents: roles().p!.agents, spares: [] } };
    const run = new Run(retried, { p: ["p1"], n: [] }, {}, none);
    run.fail("a", "circuit-open", "circuit_open").tick(0);
    expect(run.take("call", "a").agent).toBe("p1");
    const once = new Run(define([s("a")]), { p: ["p1"], n: [] }, {}, roles());
    once.fail("a", "circuit-open", "circuit_open");
    expect(once.state.steps.a).toMatchObject({ status: "failed", agent: "p1" });
    expect(once.state.rebinds).toEqual([]);
  });
});
