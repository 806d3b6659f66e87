// The run state machine's flow constructs, driven by hand (interpreter-fixtures.ts):
// sequence, parallel, conditional, and how steps are bound to agents.
import { describe, expect, it } from "vitest";
import { agentFor, nextWakeUp } from "./interpreter.ts";
import { define, frozen, P, Run, s, T0, undoable } from "./interpreter-fixtures.ts";

describe("sequence", () => {
  const seq = define([undoable("a", { input: { n: "$.input.n" } }), undoable("b", { input: { from_a: "$.steps.a.output.v", literal: [1, "x"] } }), s("c")]);

  it("starts every step pending and runs the steps one at a time, in order, feeding outputs forward", () => {
    const run = new Run(seq, P, { n: 7 });
    expect(run.open).toEqual([{ kind: "call", step: "a", agent: "p1", action: "do_a", input: { n: 7 }, key: "wf:r1:a" }]);
    expect([run.status("a"), run.status("b"), run.status("c")]).toEqual(["running", "pending", "pending"]);
    expect(run.state.steps.a).toMatchObject({ attempts: 1, agent: "p1", startedAt: T0, deadline: null });

    run.ok("a", { v: 41 });
    expect(run.open).toEqual([{ kind: "call", step: "b", agent: "p1", action: "do_b", input: { from_a: 41, literal: [1, "x"] }, key: "wf:r1:b" }]);
    run.ok("b").ok("c", { done: true });

    expect(run.state.status).toBe("completed");
    expect(run.open).toEqual([]);
    expect(run.issuedSteps("call")).toEqual(["a", "b", "c"]);
    expect(run.issuedSteps("compensate")).toEqual([]);
    expect(run.state.compensable).toEqual(["a", "b"]);
    expect(run.state.steps.c).toMatchObject({ status: "completed", output: { done: true }, error: null });
    expect(run.types()).toEqual([
      "workflow.step.started",
      "workflow.step.completed",
      "workflow.step.started",
      "workflow.step.completed",
      "workflow.step.started",
      "workflow.step.completed",
      "workflow.run.completed",
    ]);
    expect(run.events.every((e) => e.data.run === "r1" && e.data.workflow === "wf")).toBe(true);
    expect(nextWakeUp(run.state)).toBeNull();
  });

  it("ignores a second answer for a step that already completed", () => {
    const run = new Run(seq, P, { n: 1 });
    const first = run.take("call", "a");
    run.answer(first, { ok: true, output: { v: 1 } });
    const before = frozen(run.state);
    run.answer(first, { ok: false, error: { type: "boom", status: 500, detail: "late" } });
    expect(frozen(run.state)).toEqual(before);
    expect(run.last!.effects).toEqual([]);
  });
});

describe("parallel", () => {
  const par = define([{ parallel: [[undoable("a")], [undoable("b"), s("b2")]] }, s("c")]);

  it("starts every branch at once and goes on only when all have finished", () => {
    const run = new Run(par, P);
    expect(run.openSteps()).toEqual(["a", "b"]);
    run.ok("b");
    expect(run.openSteps()).toEqual(["a", "b2"]);
    run.ok("a");
    expect(run.openSteps()).toEqual(["b2"]);
    expect(run.status("c")).toBe("pending");
    run.ok("b2");
    expect(run.openSteps()).toEqual(["c"]);
    run.ok("c");
    expect(run.state.status).toBe("completed");
  });

  it("fails the group when one branch fails, waits for the others, then compensates what finished in reverse completion order, once each", () => {
    const group = define([{ parallel: [[undoable("x1")], [undoable("x2")], [undoable("x3"), s("x3b")]] }, s("after")]);
    const run = new Run(group, P);
    expect(run.openSteps()).toEqual(["x1", "x2", "x3"]);
    run.ok("x2");
    run.fail("x1", "boom");
    expect(run.state.failure).toMatchObject({ step: "x1", type: "boom", outcome: "failed" });
    expect(run.state.status).toBe("running");
    expect(run.open).toEqual([expect.objectContaining({ step: "x3" })]);
    run.ok("x3");
    // Nothing new starts once the run is failing; compensation starts with the last to finish.
    expect(run.issuedSteps("call")).toEqual(["x1", "x2", "x3"]);
    expect(run.state.status).toBe("compensating");
    expect(run.openSteps("compensate")).toEqual(["x3"]);
    run.compOk("x3");
    expect(run.openSteps("compensate")).toEqual(["x2"]);
    run.compOk("x2");

    expect(run.state.status).toBe("compensated");
    expect(run.issuedSteps("compensate")).toEqual(["x3", "x2"]);
    expect(run.issued.filter((e) => e.kind === "compensate").map((e) => e.key)).toEqual(["wf:r1:x3:compensate", "wf:r1:x2:compensate"]);
    expect(run.state.steps.x1!.compensation).toBeNull();
    expect([run.status("x1"), run.status("x3b"), run.status("after")]).toEqual(["failed", "skipped", "skipped"]);
    expect(run.types().filter((t) => t.startsWith("workflow.run."))).toEqual(["workflow.run.failing", "workflow.run.compensating", "workflow.run.compensated"]);
  });
});

describe("conditional", () => {
  const routed = (withDefault: boolean) =>
    define([
      s("decide"),
      {
        conditional: {
          on: "$.steps.decide.output.route",
          cases: [
            { when: "left", flow: [{ parallel: [[s("l1")], [s("l2")]] }] },
            { when: "right", flow: [s("r1"), s("r2")] },
          ],
          ...(withDefault ? { default: [s("d1")] } : {}),
        },
      },
      s("end"),
    ]);

  it("takes the case equal to the referenced value and skips everything in the others", () => {
    const run = new Run(routed(true), P).ok("decide", { route: "right" });
    expect(run.state.choices).toEqual({ "flow.1": 1 });
    expect(["l1", "l2", "d1"].map((name) => run.status(name))).toEqual(["skipped", "skipped", "skipped"]);
    expect(run.openSteps()).toEqual(["r1"]);
    run.ok("r1").ok("r2").ok("end");
    expect(run.state.status).toBe("completed");
    expect(run.events.find((e) => e.type === "workflow.branch.chosen")!.data).toMatchObject({ on: "$.steps.decide.output.route", value: "right", case: 1 });
  });

  it("takes a case with nested parallel branches", () => {
    const run = new Run(routed(true), P).ok("decide", { route: "left" });
    expect(run.openSteps()).toEqual(["l1", "l2"]);
    run.ok("l2").ok("l1");
    expect(run.openSteps()).toEqual(["end"]);
    expect(["r1", "r2", "d1"].map((name) => run.status(name))).toEqual(["skipped", "skipped", "skipped"]);
  });

  it("takes the default when no case matches", () => {
    const run = new Run(routed(true), P).ok("decide", { route: "up" });
    expect(run.state.choices).toEqual({ "flow.1": -1 });
    expect(run.openSteps()).toEqual(["d1"]);
    run.ok("d1").ok("end");
    expect(run.state.status).toBe("completed");
  });

  it("without a default and no match, skips every branch and goes on", () => {
    const run = new Run(routed(false), P).ok("decide", {});
    expect(run.state.choices).toEqual({ "flow.1": -2 });
    expect(["l1", "l2", "r1", "r2"].map((name) => run.status(name))).toEqual(["skipped", "skipped", "skipped", "skipped"]);
    expect(run.openSteps()).toEqual(["end"]);
  });

  it("compares structured values as JSON", () => {
    const def = define([s("decide"), { conditional: { on: "$.steps.decide.output", cases: [{ when: { a: [1, 2] }, flow: [s("yes")] }], default: [s("no")] } }]);
    const run = new Run(def, P).ok("decide", { a: [1, 2] });
    expect(run.openSteps()).toEqual(["yes"]);
  });
});

describe("bindings", () => {
  it("skips the steps of an optional role that is not bound", () => {
    const def = define([s("a"), { step: "tell", role: "n", action: "notify", input: {} }, s("b")]);
    const run = new Run(def, { p: ["p1"], n: [] }).ok("a");
    expect(run.status("tell")).toBe("skipped");
    expect(run.events.find((e) => e.type === "workflow.step.skipped")!.data).toMatchObject({ step: "tell", reason: "role 'n' is not bound" });
    run.ok("b");
    expect(run.state.status).toBe("completed");
  });

  it("spreads a role's steps round-robin over its agents", () => {
    const def = define([s("s1"), { step: "t1", role: "n", action: "notify" }, s("s2"), s("s3")]);
    const bindings = { p: ["p1", "p2"], n: ["n1"] };
    expect(["s1", "s2", "s3"].map((step) => agentFor(def, bindings, step, "p"))).toEqual(["p1", "p2", "p1"]);
    expect(agentFor(def, bindings, "t1", "n")).toBe("n1");
    expect(agentFor(def, { p: [] }, "s1", "p")).toBeNull();
    const run = new Run(def, bindings).ok("s1").ok("t1").ok("s2").ok("s3");
    expect(run.issued.map((e) => e.agent)).toEqual(["p1", "n1", "p2", "p1"]);
    expect(run.state.status).toBe("completed");
  });
});
