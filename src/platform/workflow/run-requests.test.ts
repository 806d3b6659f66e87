import { describe, expect, it } from "vitest";
import { define, P, Run, s, undoable } from "./interpreter-fixtures.ts";
import { cancelRefusal, signalFate } from "./run-requests.ts";

const signal = (type: string, role: string | null = null) => ({ type, role, data: null });

describe("signalFate", () => {
  const def = define([
    undoable("a"),
    { await: "approved", role: "p", event: "order.approved" },
    { await: "paid", role: "p", event: "order.paid" },
    s("b"),
  ]);

  it("delivers to an await that waits for the type, from its role or from no role", () => {
    const run = new Run(def, P).ok("a");
    expect(signalFate(def, run.state, signal("order.approved"))).toEqual({ status: "delivered", await: "approved" });
    expect(signalFate(def, run.state, signal("order.approved", "p"))).toEqual({ status: "delivered", await: "approved" });
  });

  it("buffers for an await that has not opened yet, once per await", () => {
    const run = new Run(def, P).ok("a");
    expect(signalFate(def, run.state, signal("order.paid"))).toEqual({ status: "buffered", await: "paid" });
    run.event("order.paid", null);
    expect(run.state.inbox).toHaveLength(1);
    // `paid` is claimed by the buffered event: a second one has no taker.
    expect(signalFate(def, run.state, signal("order.paid"))).toMatchObject({ status: "refused", code: "not-awaited" });
  });

  it("refuses a type or role nothing awaits, naming what the run awaits", () => {
    const run = new Run(def, P).ok("a");
    expect(signalFate(def, run.state, signal("order.shipped"))).toEqual({
      status: "refused",
      code: "not-awaited",
      reason: "Nothing in run 'r1' awaits 'order.shipped'; it awaits: 'approved' takes 'order.approved' from role 'p'; 'paid' takes 'order.paid' from role 'p'.",
    });
    expect(signalFate(def, run.state, signal("order.approved", "n"))).toMatchObject({ status: "refused", code: "not-awaited", reason: expect.stringContaining("'order.approved' from role 'n'") });
  });

  it("refuses an await's event once the await has completed", () => {
    const run = new Run(def, P).ok("a").event("order.approved", "p").event("order.paid", "p");
    expect(signalFate(def, run.state, signal("order.approved"))).toMatchObject({ status: "refused", code: "not-awaited", reason: expect.stringContaining("it awaits no more events") });
  });

  it("refuses every event once the run is winding down or has ended", () => {
    const run = new Run(def, P).ok("a").cancel();
    expect(run.state.status).toBe("cancelling");
    expect(signalFate(def, run.state, signal("order.approved"))).toEqual({ status: "refused", code: "run-ending", reason: "Run 'r1' is cancelling (cancelled); it takes no more events." });
    run.compOk("a");
    expect(signalFate(def, run.state, signal("order.approved"))).toEqual({ status: "refused", code: "run-ended", reason: "Run 'r1' has ended (cancelled); it takes no more events." });
  });

  it("does not buffer for an await whose role is not bound (it will be skipped)", () => {
    const unbound = define([s("x"), { await: "heard", role: "n", event: "order.heard" }]);
    const run = new Run(unbound, { p: ["p1"], n: [] });
    expect(signalFate(unbound, run.state, signal("order.heard"))).toMatchObject({ status: "refused", code: "not-awaited" });
  });
});

describe("cancelRefusal", () => {
  it("lets a running run be cancelled, and a cancelling one be cancelled again", () => {
    const run = new Run(define([undoable("a"), s("b")]), P).ok("a");
    expect(cancelRefusal(run.state)).toBeNull();
    run.cancel();
    expect(run.state.status).toBe("cancelling");
    expect(cancelRefusal(run.state)).toBeNull();
  });

  it("refuses a run that has ended, or is failing for another reason", () => {
    const failing = new Run(define([undoable("a"), s("b")]), P).ok("a").fail("b", "payment_failed");
    expect(cancelRefusal(failing.state)).toEqual({ code: "run-ending", reason: "Run 'r1' is already compensating (payment_failed); it ends on its own." });
    failing.compOk("a");
    expect(cancelRefusal(failing.state)).toEqual({ code: "run-ended", reason: "Run 'r1' has ended (compensated); there is nothing to cancel." });
  });
});
