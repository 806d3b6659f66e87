// The run state machine driven by hand: every agent call is answered by the test (ok,
// or an error of a given type), the clock only moves when the test moves it, and
// nothing does I/O.
import { describe, expect, it } from "vitest";
import { defineWorkflow } from "./define-workflow.ts";
import type { FlowNode, WorkflowDefinition, WorkflowDefinitionInput } from "./definition.ts";
import { type Advance, advance, agentFor, type Effect, newRun, nextWakeUp, onCallResult, onCancel, onParticipantEvent, resumeEffects, type Transition } from "./interpreter.ts";
import type { RunState } from "./run-state.ts";

const T0 = 1_000_000;

/** One run under test: the effects it asked for and has not had answered, and every event. */
class Run {
  state: RunState;
  now = T0;
  /** Calls issued and not yet answered. */
  open: Effect[] = [];
  /** Every effect ever issued, in order. */
  issued: Effect[] = [];
  events: Transition[] = [];
  last: Advance | undefined;

  constructor(
    readonly definition: WorkflowDefinition,
    bindings: RunState["bindings"],
    input: Record<string, unknown> = {},
  ) {
    this.state = newRun(definition, { id: "r1", tenant: "t1", input, bindings }, this.now);
    this.apply(advance(definition, this.state, this.now));
  }

  apply(next: Advance): this {
    this.last = next;
    this.state = next.state;
    this.open.push(...next.effects);
    this.issued.push(...next.effects);
    this.events.push(...next.events);
    return this;
  }

  take(kind: Effect["kind"], step?: string): Effect {
    const index = this.open.findIndex((e) => e.kind === kind && (step === undefined || ("step" in e && e.step === step)));
    if (index < 0) throw new Error(`no open ${kind} ${step ?? ""}; open: ${JSON.stringify(this.open.map((e) => [e.kind, "step" in e ? e.step : ""]))}`);
    return this.open.splice(index, 1)[0]!;
  }

  answer(effect: Effect, outcome: Parameters<typeof onCallResult>[3]): this {
    return this.apply(onCallResult(this.definition, this.state, effect, outcome, this.now));
  }

  ok(step: string, output: unknown = {}): this {
    return this.answer(this.take("call", step), { ok: true, output });
  }

  fail(step: string, type = "boom"): this {
    return this.answer(this.take("call", step), { ok: false, error: { type, status: 422, detail: `${step} failed with ${type}` } });
  }

  compOk(step: string): this {
    return this.answer(this.take("compensate", step), { ok: true, output: {} });
  }

  compFail(step: string): this {
    return this.answer(this.take("compensate", step), { ok: false, error: { type: "unavailable", status: 503, detail: "down" } });
  }

  onTimeoutOk(): this {
    return this.answer(this.take("on_timeout"), { ok: true, output: { alerted: true } });
  }

  /** Moves the clock to `at` and lets deadlines and retries happen. */
  at(at: number): this {
    this.now = at;
    return this.apply(advance(this.definition, this.state, this.now));
  }

  tick(ms: number): this {
    return this.at(this.now + ms);
  }

  event(type: string, role: string | null, data: unknown = null): this {
    return this.apply(onParticipantEvent(this.definition, this.state, { type, role, data }, this.now));
  }

  cancel(): this {
    return this.apply(onCancel(this.definition, this.state, this.now));
  }

  status(step: string): string {
    return this.state.steps[step]!.status;
  }

  /** The steps (or kinds) of the open effects. */
  openSteps(kind: Effect["kind"] = "call"): string[] {
    return this.open.filter((e) => e.kind === kind).map((e) => ("step" in e ? e.step : e.kind));
  }

  issuedSteps(kind: Effect["kind"]): string[] {
    return this.issued.filter((e) => e.kind === kind).map((e) => ("step" in e ? e.step : e.kind));
  }

  types(): string[] {
    return this.events.map((e) => e.type);
  }
}

const define = (flow: unknown[], extra: Partial<WorkflowDefinitionInput> = {}): WorkflowDefinition =>
  defineWorkflow({
    name: "wf",
    version: "1.0.0",
    participants: { p: { type: "worker" }, n: { type: "notifier", optional: true } },
    flow: flow as FlowNode[],
    ...extra,
  });

const s = (name: string, extra: Record<string, unknown> = {}) => ({ step: name, role: "p", action: `do_${name}`, ...extra });
const undoable = (name: string, extra: Record<string, unknown> = {}) => s(name, { compensation: `undo_${name}`, ...extra });
const P = { p: ["p1"], n: ["n1"] };

/** The state without its clock, to compare "nothing changed". */
const frozen = (state: RunState) => ({ ...state, updatedAt: 0 });

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
    expect(run.state.completed).toEqual(["a", "b"]);
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

describe("timeouts", () => {
  it("times out a running step at its deadline; it is compensated too (its effect may have happened) and a late answer changes nothing", () => {
    const def = define([undoable("a", { input: { n: "$.input.n" } }), undoable("b", { timeout: 500, input: { n: "$.input.n" } }), s("c")]);
    const run = new Run(def, P, { n: 3 }).ok("a", { id: "A" });
    const started = run.now;
    expect(nextWakeUp(run.state)).toBe(started + 500);
    const late = run.take("call", "b");
    run.at(started + 500);
    expect(run.state.steps.b).toMatchObject({ status: "timed_out", error: { type: "timeout", status: 504 } });
    expect(run.state.completed).toEqual(["a", "b"]);
    expect(run.open).toEqual([{ kind: "compensate", step: "b", agent: "p1", action: "undo_b", input: { step: "b", output: null, input: { n: 3 } }, key: "wf:r1:b:compensate" }]);

    const before = frozen(run.state);
    run.answer(late, { ok: true, output: { charged: true } });
    expect(frozen(run.state)).toEqual(before);
    expect(run.last!.effects).toEqual([]);
    expect(run.last!.events).toEqual([]);

    run.compOk("b").compOk("a");
    expect(run.state.status).toBe("timed_out");
    expect(run.status("c")).toBe("skipped");
  });

  it("times out the whole run at its deadline; running calls finish first, then on_timeout and compensation", () => {
    const def = define([undoable("a"), s("b")], { timeout: 1_000, error_handling: { on_timeout: { role: "n", action: "alert", input: {} } } });
    const run = new Run(def, P);
    expect(run.state.deadline).toBe(T0 + 1_000);
    expect(nextWakeUp(run.state)).toBe(T0 + 1_000);
    run.at(T0 + 1_000);
    expect(run.state.failure).toMatchObject({ step: null, type: "timeout", outcome: "timed_out" });
    expect(run.open).toEqual([expect.objectContaining({ kind: "call", step: "a" })]);
    run.ok("a");
    expect(run.issuedSteps("call")).toEqual(["a"]);
    expect(run.openSteps("on_timeout")).toEqual(["on_timeout"]);
    run.onTimeoutOk().compOk("a");
    expect(run.state.status).toBe("timed_out");
    expect(run.status("b")).toBe("skipped");
  });
});

describe("errors", () => {
  it("on_error retry n: n+1 attempts under the same key, backoff doubling, nextWakeUp at the retry, then failure", () => {
    const def = define([undoable("a"), s("b")], { error_handling: { on_error: { flaky: { retry: 3, backoff_ms: 100 } } } });
    const run = new Run(def, P).ok("a");
    run.fail("b", "flaky");
    expect(run.state.steps.b).toMatchObject({ status: "pending", attempts: 1, retryAt: run.now + 100, error: { type: "flaky" } });
    expect(nextWakeUp(run.state)).toBe(run.now + 100);
    run.tick(99);
    expect(run.open).toEqual([]);
    run.tick(1);
    expect(run.state.steps.b).toMatchObject({ status: "running", attempts: 2, retryAt: null });
    run.fail("b", "flaky");
    expect(nextWakeUp(run.state)).toBe(run.now + 200);
    run.tick(200).fail("b", "flaky");
    expect(run.state.steps.b!.retryAt).toBe(run.now + 400);
    run.tick(400).fail("b", "flaky");

    expect(run.state.steps.b).toMatchObject({ status: "failed", attempts: 4, retryAt: null });
    expect(run.issued.filter((e) => e.kind === "call" && e.step === "b").map((e) => e.key)).toEqual(["wf:r1:b", "wf:r1:b", "wf:r1:b", "wf:r1:b"]);
    expect(run.types().filter((t) => t === "workflow.step.retrying")).toHaveLength(3);
    run.compOk("a");
    expect(run.state.status).toBe("compensated");
  });

  it("on_error retry succeeds on a later attempt", () => {
    const def = define([s("a")], { error_handling: { on_error: { flaky: { retry: 2, backoff_ms: 0 } } } });
    const run = new Run(def, P).fail("a", "flaky");
    run.tick(0).ok("a");
    expect(run.state.status).toBe("completed");
    expect(run.state.steps.a).toMatchObject({ attempts: 2, error: null });
  });

  it("on_error compensate fails at once, even when the step has its own retry", () => {
    const def = define([undoable("a"), s("b", { retry: { max_attempts: 5, backoff_ms: 10 } })], { error_handling: { on_error: { payment_failed: { compensate: true } } } });
    const run = new Run(def, P).ok("a").fail("b", "payment_failed");
    expect(run.state.steps.b).toMatchObject({ status: "failed", attempts: 1 });
    expect(run.state.failure).toMatchObject({ step: "b", type: "payment_failed", outcome: "failed" });
    run.compOk("a");
    expect(run.state.status).toBe("compensated");
  });

  it("a step's own retry: max_attempts in all, backoff doubling", () => {
    const def = define([s("a", { retry: { max_attempts: 3, backoff_ms: 50 } })]);
    const run = new Run(def, P).fail("a", "oops");
    expect(run.state.steps.a!.retryAt).toBe(T0 + 50);
    run.tick(50).fail("a", "oops");
    expect(run.state.steps.a!.retryAt).toBe(T0 + 150);
    run.tick(100).fail("a", "oops");
    expect(run.state.steps.a).toMatchObject({ status: "failed", attempts: 3 });
    expect(run.state.status).toBe("failed");
  });

  it("a failure with nothing to compensate ends failed", () => {
    const run = new Run(define([s("a"), s("b")]), P).fail("a", "boom");
    expect(run.state.status).toBe("failed");
    expect(run.status("b")).toBe("skipped");
    expect(run.types().filter((t) => t.startsWith("workflow.run."))).toEqual(["workflow.run.failing", "workflow.run.compensating", "workflow.run.failed"]);
  });

  it("a compensation failing 3 times ends the run failed, after compensating the rest", () => {
    const run = new Run(define([undoable("a"), undoable("b"), s("c")]), P).ok("a").ok("b").fail("c");
    run.compFail("b").compFail("b");
    expect(run.state.steps.b!.compensation).toMatchObject({ status: "running", attempts: 3 });
    run.compFail("b");
    expect(run.state.steps.b!.compensation).toMatchObject({ status: "failed", attempts: 3, error: { type: "unavailable" } });
    expect(run.issued.filter((e) => e.kind === "compensate" && e.step === "b").map((e) => e.key)).toEqual(Array(3).fill("wf:r1:b:compensate"));
    run.compOk("a");
    expect(run.state.status).toBe("failed");
    expect(run.types()).toContain("workflow.step.compensation_failed");
  });
});

describe("cancel", () => {
  const def = define([undoable("a"), undoable("b"), { await: "approved", role: "p", event: "order.approved" }, s("c")]);

  it("lets the running step finish, then compensates in reverse and ends cancelled", () => {
    const run = new Run(def, P).ok("a").cancel();
    expect(run.state.failure).toMatchObject({ step: null, type: "cancelled", outcome: "cancelled" });
    expect(run.open).toEqual([expect.objectContaining({ step: "b" })]);
    run.ok("b");
    expect(run.openSteps("compensate")).toEqual(["b"]);
    run.compOk("b").compOk("a");
    expect(run.state.status).toBe("cancelled");
    expect(["approved", "c"].map((name) => run.status(name))).toEqual(["skipped", "skipped"]);
  });

  it("cancels a run waiting on an await: it compensates at once, the await does not stay open, and a late event changes nothing", () => {
    const run = new Run(def, P).ok("a").ok("b");
    expect(run.status("approved")).toBe("waiting");
    run.cancel();
    expect(run.openSteps("compensate")).toEqual(["b"]);
    run.compOk("b").compOk("a");
    expect(run.state.status).toBe("cancelled");
    expect(run.status("approved")).toBe("skipped");
    const before = frozen(run.state);
    run.event("order.approved", "p", { late: true });
    expect(frozen(run.state)).toEqual(before);
    expect(run.last!.events).toEqual([]);
  });

  it("does nothing to a run that has finished", () => {
    const run = new Run(define([s("a")]), P).ok("a");
    const before = frozen(run.state);
    run.cancel();
    expect(frozen(run.state)).toEqual(before);
    expect(run.last!.events).toEqual([]);
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

describe("resumeEffects", () => {
  it("re-issues exactly the calls under way, with the same keys and inputs", () => {
    const def = define([{ parallel: [[undoable("a", { input: { n: "$.input.n" } })], [s("b")], [s("c")]] }]);
    const run = new Run(def, P, { n: 5 });
    expect(resumeEffects(def, run.state)).toEqual(run.issued);
    run.ok("b");
    expect(resumeEffects(def, run.state)).toEqual(run.issued.filter((e) => e.kind === "call" && e.step !== "b"));
  });

  it("re-issues a running compensation and a running on_timeout, and nothing for a retry that waits", () => {
    const def = define([undoable("a"), undoable("b", { timeout: 10, retry: { max_attempts: 2, backoff_ms: 100 } })], {
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
