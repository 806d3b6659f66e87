// The built-in order_processing as the README shows it: its `hang` payment must reach
// the documented `timed_out` path and run `on_timeout`, so the processing agent's hang
// outlasts the payment step's timeout (and fits in the agent's own action timeout, so
// the late charge happens and is refunded). Driven by hand, as the interpreter's tests.
import { describe, expect, it } from "vitest";
import { HANG_MS, processingAgent } from "../agents/order/processing-agent.ts";
import { isStep } from "../platform/workflow/definition.ts";
import { Run, T0 } from "../platform/workflow/interpreter-fixtures.ts";
import { orderWorkflow } from "./order-workflow.ts";

const bindings = { validator: ["v1"], processor: ["p1", "p2"], notifier: ["n1"] };
const input = { order_id: "o-1", amount: 42, items: 2, payment: "hang" };

describe("order_processing with payment: hang", () => {
  it("times the payment out before the hanging charge answers, alerts the operator, and ends timed_out", () => {
    const run = new Run(orderWorkflow, bindings, input).ok("validate_order", { valid: true, order_id: "o-1" }).ok("check_inventory", { reserved: 2 });
    const payment = run.take("call", "process_payment");
    expect(payment.input).toEqual({ order_id: "o-1", amount: 42, payment: "hang" });

    // The agent answers after HANG_MS; by then the run has applied the step's deadline.
    run.at(T0 + HANG_MS);
    run.answer(payment, { ok: true, output: { success: true, charge_id: "ch_o-1" } });
    expect(run.state.steps.process_payment).toMatchObject({ status: "timed_out", error: { type: "timeout" } });
    expect(run.openSteps("on_timeout")).toEqual(["on_timeout"]);
    run.onTimeoutOk().compOk("process_payment").compOk("check_inventory");
    expect(run.state.status).toBe("timed_out");
  });

  it("the agent's own action timeout outlasts the hang, so the late charge happens (and is refunded)", () => {
    const step = orderWorkflow.flow.find((node) => isStep(node) && node.step === "process_payment");
    expect(step && isStep(step) ? step.timeout : undefined).toBe(30_000);
    expect(processingAgent.actions.process_payment.timeout).toBeGreaterThan(HANG_MS);
  });
});
