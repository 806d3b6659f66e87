// The run state machine waiting, driven by hand (interpreter-fixtures.ts): awaits on
// participant events (with their deadlines), when it next needs waking, and what it
// re-issues when it resumes after a restart.
import { describe, expect, it } from "vitest";
import { nextWakeUp, resumeEffects } from "./interpreter.ts";
import { define, P, Run, s, T0, undoable } from "./interpreter-fixtures.ts";

describe("await", () => {
  const awaiting = define([undoable("a"), { await: "approved", role: "p", event: "order.approved", timeout: 1_000 }, s("b", { input: { ok: "$.steps.approved.output.ok" } })], {
    error_handling: { on_timeout: { role: "n", action: "alert", input: { about: "$.steps.a.output.id" } } },
  });

  it("waits for a matching participant event and completes with its data", () => {
    const run = new Run(awaiting, P).ok("a", { id: "A" });
    expect(run.state.steps.approved).toMatchObject({ status: "waiting", startedAt: T0, deadline: T0 + 1_000 });
    expect(run.open).toEqual([]);
    expect(nextWakeUp(run.state)).toBe(T0 + 1_000);
    run.event("order.rejected", null, { ok: false });
    run.event("order.approved", "n", { ok: false });
    expect(run.status("approved")).toBe("waiting");
    run.event("order.approved", "p", { ok: true });
    expect(run.state.steps.approved).toMatchObject({ status: "completed", output: { ok: true } });
    expect(run.open).toEqual([expect.objectContaining({ step: "b", input: { ok: true } })]);
    run.ok("b");
    expect(run.state.status).toBe("completed");
  });

  it("answers the state it was given, updatedAt included, when a pass has nothing to do (an alarm with nothing due)", () => {
    const run = new Run(awaiting, P).ok("a", { id: "A" });
    const waiting = run.state;
    expect(waiting.updatedAt).toBe(T0);
    run.at(T0 + 500);
    expect(run.state).toBe(waiting);
    expect(run.last).toEqual({ state: waiting, effects: [], events: [] });
    // A change does move it: the await times out at its deadline.
    run.at(T0 + 1_000);
    expect(run.state.updatedAt).toBe(T0 + 1_000);
  });

  it("answers the state it was given to a late answer that changes nothing", () => {
    const run = new Run(awaiting, P);
    const call = run.take("call", "a");
    run.answer(call, { ok: true, output: { id: "A" } });
    const after = run.state;
    run.now = T0 + 50;
    run.answer(call, { ok: true, output: { id: "B" } });
    expect(run.state).toBe(after);
    expect(run.last?.events).toEqual([]);
  });

  it("completes from an event that arrived before the await opened (the inbox)", () => {
    const run = new Run(awaiting, P).event("order.approved", null, { ok: "early" });
    expect(run.state.inbox).toEqual([{ type: "order.approved", role: null, data: { ok: "early" }, at: T0 }]);
    expect(run.status("approved")).toBe("pending");
    run.ok("a", { id: "A" });
    expect(run.status("approved")).toBe("completed");
    expect(run.state.inbox).toEqual([]);
    expect(run.open).toEqual([expect.objectContaining({ step: "b", input: { ok: "early" } })]);
  });

  it("times out: on_timeout runs first, then compensation, and the run ends timed_out", () => {
    const run = new Run(awaiting, P).ok("a", { id: "A" });
    run.at(T0 + 999);
    expect(run.status("approved")).toBe("waiting");
    run.at(T0 + 1_000);
    expect(run.state.steps.approved).toMatchObject({ status: "timed_out", error: { type: "timeout" } });
    expect(run.state.failure).toMatchObject({ step: "approved", type: "timeout", outcome: "timed_out" });
    expect(run.open).toEqual([{ kind: "on_timeout", agent: "n1", action: "alert", input: { about: "A" }, key: "wf:r1:on_timeout" }]);
    run.onTimeoutOk();
    expect(run.state.onTimeout).toMatchObject({ status: "completed", attempts: 1 });
    expect(run.openSteps("compensate")).toEqual(["a"]);
    run.compOk("a");
    expect(run.state.status).toBe("timed_out");
    expect(run.status("b")).toBe("skipped");
    expect(run.issued.map((e) => e.kind)).toEqual(["call", "on_timeout", "compensate"]);
    expect(run.types().slice(-7)).toEqual([
      "workflow.run.failing",
      "workflow.on_timeout.started",
      "workflow.on_timeout.finished",
      "workflow.run.compensating",
      "workflow.step.compensating",
      "workflow.step.compensated",
      "workflow.run.timed_out",
    ]);
  });

  it("closes an open await when a parallel branch fails, so the run can finish", () => {
    const def = define([{ parallel: [[{ await: "approved", role: "p", event: "order.approved", timeout: 5_000 }], [s("x")]] }]);
    const run = new Run(def, P).fail("x");
    expect(run.state.steps.approved).toMatchObject({ status: "skipped", deadline: null });
    expect(run.state.status).toBe("failed");
    expect(nextWakeUp(run.state)).toBeNull();
  });

  it("two awaits due at once: the first times out the run, the other is closed, and the run fails once", () => {
    const def = define([{ parallel: [[{ await: "w1", role: "p", event: "e.one", timeout: 100 }], [{ await: "w2", role: "p", event: "e.two", timeout: 100 }]] }]);
    const run = new Run(def, P).tick(100);
    expect([run.status("w1"), run.status("w2")]).toEqual(["timed_out", "skipped"]);
    expect(run.types().filter((t) => t === "workflow.run.failing")).toHaveLength(1);
    expect(run.state.status).toBe("timed_out");
  });

  it("skips an await whose role is not bound", () => {
    const def = define([{ await: "heard", role: "n", event: "order.heard" }, s("b")]);
    const run = new Run(def, { p: ["p1"], n: [] });
    expect(run.status("heard")).toBe("skipped");
    expect(run.openSteps()).toEqual(["b"]);
  });
});

describe("resumeEffects", () => {
  it("re-issues exactly the calls under way, with the same keys and inputs", () => {
    const def = define([{ parallel: [[undoable("a", { input: { n: "$.input.n" } })], [s("b")], [s("c")]] }]);
    const run = new Run(def, P, { n: 5 });
    expect(resumeEffects(def, run.state)).toEqual(run.issued);
    run.ok("b");
    expect(resumeEffects(def, run.state)).toEqual(run.issued.filter((e) => e.kind === "call" && e.step !== "b"));
  });

  it("re-issues a running compensation and a running on_timeout, and nothing for a retry that waits", () => {
    const def = define([undoable("a"), undoable("b", { timeout: 10, retry: 1, backoff_ms: 100 })], {
      error_handling: { on_timeout: { role: "n", action: "alert", input: {} } },
    });
    const run = new Run(def, P).ok("a", { id: 1 });
    run.tick(10);
    expect(run.state.steps.b).toMatchObject({ status: "pending", attempts: 1 });
    expect(resumeEffects(def, run.state)).toEqual([]);
    run.tick(100).tick(10);
    expect(resumeEffects(def, run.state)).toEqual([run.open.find((e) => e.kind === "on_timeout")]);
    run.onTimeoutOk();
    const compensating = run.open.find((e) => e.kind === "compensate");
    expect(compensating).toMatchObject({ step: "b", key: "wf:r1:b:compensate" });
    expect(resumeEffects(def, run.state)).toEqual([compensating]);
    run.compOk("b").compOk("a");
    expect(run.state.status).toBe("timed_out");
    expect(resumeEffects(def, run.state)).toEqual([]);
    expect(nextWakeUp(run.state)).toBeNull();
  });
});

describe("nextWakeUp", () => {
  it("is the earliest of step deadlines, retries and the run deadline while running", () => {
    const def = define([{ parallel: [[s("a", { timeout: 300 })], [s("b", { timeout: 100 })]] }], { timeout: 200 });
    const run = new Run(def, P);
    expect(nextWakeUp(run.state)).toBe(T0 + 100);
    run.ok("b");
    expect(nextWakeUp(run.state)).toBe(T0 + 200);
  });
});
