// The run state machine when things go wrong, driven by hand (interpreter-fixtures.ts):
// step and run timeouts, on_error handling and retries, compensation, and cancellation.
import { describe, expect, it } from "vitest";
import { nextWakeUp } from "./interpreter.ts";
import { define, frozen, P, Run, s, T0, undoable } from "./interpreter-fixtures.ts";

describe("timeouts", () => {
  it("times out a running step at its deadline; it is compensated too (its effect may have happened) and a late answer changes nothing", () => {
    const def = define([undoable("a", { input: { n: "$.input.n" } }), undoable("b", { timeout: 500, input: { n: "$.input.n" } }), s("c")]);
    const run = new Run(def, P, { n: 3 }).ok("a", { id: "A" });
    const started = run.now;
    expect(nextWakeUp(run.state)).toBe(started + 500);
    const late = run.take("call", "b");
    run.at(started + 500);
    expect(run.state.steps.b).toMatchObject({ status: "timed_out", error: { type: "timeout", status: 504 } });
    expect(run.state.compensable).toEqual(["a", "b"]);
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
    const def = define([undoable("a"), s("b", { retry: 4, backoff_ms: 10 })], { error_handling: { on_error: { payment_failed: { compensate: true } } } });
    const run = new Run(def, P).ok("a").fail("b", "payment_failed");
    expect(run.state.steps.b).toMatchObject({ status: "failed", attempts: 1 });
    expect(run.state.failure).toMatchObject({ step: "b", type: "payment_failed", outcome: "failed" });
    run.compOk("a");
    expect(run.state.status).toBe("compensated");
  });

  it("a step's own retry n: n retries after the first attempt, backoff doubling", () => {
    const def = define([s("a", { retry: 2, backoff_ms: 50 })]);
    const run = new Run(def, P).fail("a", "oops");
    expect(run.state.steps.a!.retryAt).toBe(T0 + 50);
    run.tick(50).fail("a", "oops");
    expect(run.state.steps.a!.retryAt).toBe(T0 + 150);
    run.tick(100).fail("a", "oops");
    expect(run.state.steps.a).toMatchObject({ status: "failed", attempts: 3 });
    expect(run.state.status).toBe("failed");
  });

  it("a step's retry n and an on_error retry n make the same n + 1 attempts", () => {
    const own = new Run(define([s("a", { retry: 2, backoff_ms: 0 })]), P);
    const ruled = new Run(define([s("a")], { error_handling: { on_error: { oops: { retry: 2, backoff_ms: 0 } } } }), P);
    for (const run of [own, ruled]) {
      run.fail("a", "oops").tick(0).fail("a", "oops").tick(0).fail("a", "oops");
      expect(run.state.steps.a).toMatchObject({ status: "failed", attempts: 3 });
    }
  });

  it("a stored definition's old step retry (max_attempts counted attempts) behaves as before", () => {
    const run = new Run(define([s("a", { retry: { max_attempts: 3, backoff_ms: 50 } })]), P).fail("a", "oops");
    expect(run.state.steps.a!.retryAt).toBe(T0 + 50);
    run.tick(50).fail("a", "oops").tick(100).fail("a", "oops");
    expect(run.state.steps.a).toMatchObject({ status: "failed", attempts: 3 });
  });

  it("retry delays take the injected jitter's draw and are capped at 5 minutes", () => {
    const run = new Run(define([s("a", { retry: 10, backoff_ms: 100_000 })]), P);
    run.random = () => 0;
    run.fail("a", "oops");
    // Equal jitter: a draw of 0 waits half the delay.
    expect(run.state.steps.a!.retryAt).toBe(T0 + 50_000);
    run.random = () => 1;
    run.at(T0 + 50_000).fail("a", "oops");
    expect(run.state.steps.a!.retryAt).toBe(run.now + 200_000);
    run.tick(200_000).fail("a", "oops");
    expect(run.state.steps.a!.retryAt).toBe(run.now + 300_000);
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

  it("does not wait for the running step: it ends cancelled, is compensated first (it may have had its effect), then the rest in reverse", () => {
    const run = new Run(def, P).ok("a").cancel();
    expect(run.state.failure).toMatchObject({ step: null, type: "cancelled", outcome: "cancelled" });
    expect(run.state.status).toBe("cancelling");
    expect(run.state.steps.b).toMatchObject({ status: "cancelled", deadline: null });
    expect(run.state.compensable).toEqual(["a", "b"]);
    expect(run.openSteps("compensate")).toEqual(["b"]);
    expect(run.types().slice(-4)).toEqual(["workflow.run.failing", "workflow.step.cancelled", "workflow.run.cancelling", "workflow.step.compensating"]);

    // The abandoned call answers late: nothing changes.
    const before = frozen(run.state);
    run.ok("b");
    expect(frozen(run.state)).toEqual(before);
    expect(run.last!.events).toEqual([]);

    run.compOk("b").compOk("a");
    expect(run.state.status).toBe("cancelled");
    expect(["approved", "c"].map((name) => run.status(name))).toEqual(["skipped", "skipped"]);
  });

  it("ends cancelled at once when the step under way has no compensation and nothing else needs undoing", () => {
    const run = new Run(define([s("x"), s("y")]), P).cancel();
    expect(run.state.status).toBe("cancelled");
    expect(run.state.steps.x!.status).toBe("cancelled");
    expect(run.status("y")).toBe("skipped");
    expect(run.issued.filter((e) => e.kind === "compensate")).toEqual([]);
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

  it("does nothing to a run that is failing already", () => {
    const run = new Run(define([undoable("a"), s("b")]), P).ok("a").fail("b");
    expect(run.state.status).toBe("compensating");
    const before = frozen(run.state);
    run.cancel();
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
