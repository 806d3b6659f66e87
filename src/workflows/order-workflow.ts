// The seed's OrderWorkflow: validate and check inventory in parallel, take the payment
// (with a timeout and a refund as compensation), then fulfil and confirm or cancel and
// notify. Its roles bind running agents (discovered): a validator and two processors
// labelled region us, and a notifier if one runs. The run input decides the payment:
// succeed, decline, fail, or hang (the payment takes 35 s, past its 30 s timeout: the run
// times out, `on_timeout` alerts the operator, and the late charge is refunded).
import { conditional, defineWorkflow, parallel, step } from "../platform/workflow/define-workflow.ts";

const order = { order_id: "$.input.order_id" };

export const orderWorkflow = defineWorkflow({
  name: "order_processing",
  version: "1.0.0",
  description: "End-to-end order processing",
  input: { required: ["order_id", "amount", "items", "payment"] },
  participants: {
    validator: { type: "validation_agent", constraints: { region: "us" } },
    processor: { type: "processing_agent", constraints: { region: "us" }, min_count: 2 },
    notifier: { type: "notification_agent", optional: true },
  },
  flow: [
    parallel(
      step("validate_order", { role: "validator", action: "validate", input: { ...order, amount: "$.input.amount", items: "$.input.items" } }),
      step("check_inventory", { role: "processor", action: "check_inventory", input: { ...order, items: "$.input.items" }, compensation: "release_inventory" }),
    ),
    step("process_payment", {
      role: "processor",
      action: "process_payment",
      input: { ...order, amount: "$.input.amount", payment: "$.input.payment" },
      timeout: 30_000,
      compensation: "refund_payment",
    }),
    conditional("$.steps.process_payment.output.success", [
      { when: true, flow: [step("fulfill_order", { role: "processor", action: "fulfill_order", input: order }), step("send_confirmation", { role: "notifier", action: "send_confirmation", input: order })] },
      { when: false, flow: [step("cancel_order", { role: "processor", action: "cancel_order", input: order }), step("notify_failure", { role: "notifier", action: "notify_failure", input: order })] },
    ]),
  ],
  error_handling: {
    on_error: { validation_failed: { retry: 3 }, payment_failed: { compensate: true } },
    on_timeout: { role: "notifier", action: "alert_operator", input: order },
  },
});

/** Workflows every tenant can run without registering them. */
export const builtinWorkflows = [orderWorkflow];
