import { describe, expect, it } from "vitest";
import { demoAgents } from "../../agents/index.ts";
import { orderWorkflow } from "../../workflows/order-workflow.ts";
import { createAgentRegistry } from "../agent/registry.ts";
import { catalogOf } from "./catalog.ts";
import { checkWorkflow } from "./check.ts";
import { defineWorkflow, WorkflowDefinitionError } from "./define-workflow.ts";
import type { FlowNode, WorkflowDefinitionInput } from "./definition.ts";

const catalog = catalogOf(createAgentRegistry(demoAgents));

const participants = {
  validator: { type: "validation_agent" },
  processor: { type: "processing_agent" },
  notifier: { type: "notification_agent", optional: true },
};
const order = { order_id: "$.input.order_id" };
const inventory = { step: "inventory", role: "processor", action: "check_inventory", input: { ...order, items: "$.input.items" }, compensation: "release_inventory" };
const pay = { step: "pay", role: "processor", action: "process_payment", input: { ...order, amount: "$.input.amount", payment: "$.input.payment" } };

const workflow = (flow: unknown[], extra: Partial<WorkflowDefinitionInput> = {}): WorkflowDefinitionInput => ({
  name: "checked",
  version: "1.0.0",
  input: { required: ["order_id", "amount", "items", "payment"] },
  participants,
  flow: flow as FlowNode[],
  ...extra,
});

/** The checker's errors for a definition that passes the schema. */
const errorsOf = (input: WorkflowDefinitionInput) => checkWorkflow(defineWorkflow(input), catalog);

/** The errors `defineWorkflow` throws (schema or, with the catalog, checker). */
const thrown = (input: unknown, withCatalog = false) => {
  try {
    defineWorkflow(input as WorkflowDefinitionInput, withCatalog ? catalog : undefined);
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowDefinitionError);
    return (error as WorkflowDefinitionError).errors;
  }
  throw new Error("the definition was accepted");
};

describe("checkWorkflow", () => {
  it("accepts the built-in order workflow against the demo agent types", () => {
    expect(checkWorkflow(orderWorkflow, catalog)).toEqual([]);
    expect(() => defineWorkflow(orderWorkflow, catalog)).not.toThrow();
  });

  it("accepts references to earlier steps, earlier parallel branches' steps, awaits and inputs", () => {
    const errors = errorsOf(
      workflow([
        { parallel: [[inventory], [{ step: "validate", role: "validator", action: "validate", input: { ...order, amount: "$.input.amount", items: "$.input.items" } }]] },
        { await: "approved", role: "processor", event: "order.approved" },
        { step: "pay", role: "processor", action: "process_payment", input: { order_id: "$.steps.validate.output.order_id", amount: "$.steps.approved.output.amount", reserved: "$.steps.inventory.output.reserved", payment: "$.input.payment" } },
        { conditional: { on: "$.steps.pay.output.success", cases: [{ when: true, flow: [{ step: "fulfil", role: "processor", action: "fulfill_order", input: { order_id: "$.steps.pay.output.charge_id" } }] }] } },
        { step: "notify", role: "notifier", action: "send_confirmation", input: { order_id: "$.steps.fulfil.output.fulfilled" } },
      ]),
    );
    expect(errors).toEqual([]);
  });

  it("rejects an unknown role, naming the step's role", () => {
    expect(errorsOf(workflow([{ ...pay, role: "banker" }]))).toEqual([{ path: "flow.0.role", message: expect.stringContaining("unknown role 'banker'") }]);
  });

  it("rejects an unknown role of an await", () => {
    expect(errorsOf(workflow([{ await: "ok", role: "approver", event: "order.approved" }]))).toEqual([{ path: "flow.0.role", message: expect.stringContaining("unknown role 'approver'") }]);
  });

  it("rejects an action the role's agent type does not have", () => {
    expect(errorsOf(workflow([pay, { step: "ship", role: "processor", action: "ship_order", input: order }]))).toEqual([
      { path: "flow.1.action", message: expect.stringContaining("agent type 'processing_agent' (role 'processor') has no action 'ship_order'") },
    ]);
  });

  it("rejects an action of a role matched by capability when a matching type lacks it", () => {
    const errors = errorsOf(workflow([{ step: "ship", role: "anyone", action: "ship_order", input: {} }], { input: { required: [] }, participants: { anyone: { capability: { processing: "orders" } } } }));
    expect(errors).toEqual([{ path: "flow.0.action", message: expect.stringContaining("'processing_agent'") }]);
  });

  it("rejects a compensation that does not exist", () => {
    expect(errorsOf(workflow([{ ...pay, compensation: "undo_payment" }]))).toEqual([{ path: "flow.0.compensation", message: expect.stringContaining("no action 'undo_payment'") }]);
  });

  it("rejects an input reference to a field input.required does not declare", () => {
    const errors = errorsOf(workflow([{ ...pay, input: { ...pay.input, currency: "$.input.currency" } }]));
    expect(errors).toEqual([{ path: "flow.0.input.currency", message: expect.stringContaining("input field 'currency'") }]);
  });

  it("names the path of a reference nested in arrays and objects", () => {
    const errors = errorsOf(workflow([{ ...pay, input: { ...pay.input, meta: { tags: ["literal", "$.input.tag"] } } }]));
    expect(errors).toEqual([{ path: "flow.0.input.meta.tags.1", message: expect.stringContaining("'tag'") }]);
  });

  it("rejects a reference to a step that does not exist", () => {
    const errors = errorsOf(workflow([inventory, { ...pay, input: { ...pay.input, amount: "$.steps.quote.output.amount" } }]));
    expect(errors).toEqual([{ path: "flow.1.input.amount", message: expect.stringContaining("names step 'quote', which does not exist") }]);
  });

  it("rejects a reference to a step later in the sequence (and to the step itself)", () => {
    const errors = errorsOf(workflow([{ ...inventory, input: { ...inventory.input, items: "$.steps.pay.output.charge_id" } }, { ...pay, input: { ...pay.input, amount: "$.steps.pay.output.amount" } }]));
    expect(errors).toEqual([
      { path: "flow.0.input.items", message: expect.stringContaining("names step 'pay', which has not run at this point") },
      { path: "flow.1.input.amount", message: expect.stringContaining("has not run at this point") },
    ]);
  });

  it("rejects a reference to a sibling parallel branch's step", () => {
    const errors = errorsOf(workflow([{ parallel: [[inventory], [{ ...pay, input: { ...pay.input, amount: "$.steps.inventory.output.reserved" } }]] }]));
    expect(errors).toEqual([{ path: "flow.0.parallel.1.0.input.amount", message: expect.stringContaining("has not run at this point") }]);
  });

  it("rejects a reference from one conditional case to another case's step", () => {
    const errors = errorsOf(
      workflow([
        pay,
        {
          conditional: {
            on: "$.steps.pay.output.success",
            cases: [
              { when: true, flow: [{ step: "fulfil", role: "processor", action: "fulfill_order", input: order }] },
              { when: false, flow: [{ step: "cancel", role: "processor", action: "cancel_order", input: { order_id: "$.steps.fulfil.output.fulfilled" } }] },
            ],
          },
        },
      ]),
    );
    expect(errors).toEqual([{ path: "flow.1.conditional.cases.1.flow.0.input.order_id", message: expect.stringContaining("has not run at this point") }]);
  });

  it("rejects a conditional on a step that has not run yet", () => {
    const errors = errorsOf(workflow([{ conditional: { on: "$.steps.pay.output.success", cases: [{ when: true, flow: [] }] } }, pay]));
    expect(errors).toEqual([{ path: "flow.0.conditional.on", message: expect.stringContaining("has not run at this point") }]);
  });

  it("rejects an output field the action's output does not have", () => {
    const errors = errorsOf(workflow([pay, { step: "fulfil", role: "processor", action: "fulfill_order", input: { order_id: "$.steps.pay.output.receipt" } }]));
    expect(errors).toEqual([{ path: "flow.1.input.order_id", message: expect.stringContaining("the output of step 'pay' has no field 'receipt'") }]);
  });

  it("rejects a step reference that does not continue with .output", () => {
    const errors = errorsOf(workflow([pay, { step: "fulfil", role: "processor", action: "fulfill_order", input: { order_id: "$.steps.pay.input.order_id" } }]));
    expect(errors).toEqual([{ path: "flow.1.input.order_id", message: expect.stringContaining("must continue with .output") }]);
  });

  it("rejects duplicate step names, naming the second and pointing at the first", () => {
    const errors = errorsOf(workflow([pay, { parallel: [[inventory], [{ ...pay, input: order }]] }, { await: "inventory", role: "processor", event: "order.approved" }]));
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: "flow.1.parallel.1.0.step", message: "duplicate step name 'pay' (first at flow.0)" },
        { path: "flow.2.await", message: "duplicate step name 'inventory' (first at flow.1.parallel.0.0)" },
      ]),
    );
  });

  it("rejects a non-optional participant whose type is not deployed, and accepts an optional one", () => {
    const errors = errorsOf(workflow([pay], { participants: { ...participants, auditor: { type: "audit_agent" }, maybe: { type: "shipping_agent", optional: true } } }));
    expect(errors).toEqual([{ path: "participants.auditor", message: "agent type 'audit_agent' is not deployed" }]);
  });

  it("rejects a non-optional participant no deployed type's capabilities match", () => {
    const errors = errorsOf(workflow([pay], { participants: { ...participants, pager: { capability: { notification: "carrier_pigeon" } } } }));
    expect(errors).toEqual([{ path: "participants.pager", message: "no deployed agent type has these capabilities" }]);
  });

  it("rejects on_timeout with an unknown action or an unknown role", () => {
    const withAction = (action: string, role = "notifier") => workflow([pay], { error_handling: { on_timeout: { role, action, input: order } } });
    expect(errorsOf(withAction("page_everyone"))).toEqual([{ path: "error_handling.on_timeout.action", message: expect.stringContaining("no action 'page_everyone'") }]);
    expect(errorsOf(withAction("alert_operator", "operator"))).toEqual([{ path: "error_handling.on_timeout.role", message: expect.stringContaining("unknown role 'operator'") }]);
    expect(errorsOf(withAction("alert_operator"))).toEqual([]);
  });

  it("checks the references of on_timeout's input: any step may be named, not a missing one or an undeclared input", () => {
    const withInput = (input: Record<string, unknown>) => workflow([inventory, pay], { error_handling: { on_timeout: { role: "notifier", action: "alert_operator", input } } });
    expect(errorsOf(withInput({ order_id: "$.input.order_id", paid: "$.steps.pay.output.charge_id" }))).toEqual([]);
    expect(errorsOf(withInput({ order_id: "$.input.customer", paid: "$.steps.refund.output.id", left: "$.steps.inventory.output.missing" }))).toEqual([
      { path: "error_handling.on_timeout.input.order_id", message: expect.stringContaining("input field 'customer'") },
      { path: "error_handling.on_timeout.input.paid", message: expect.stringContaining("step 'refund', which does not exist") },
      { path: "error_handling.on_timeout.input.left", message: expect.stringContaining("has no field 'missing'") },
    ]);
  });

  it("accepts a step's retry n (retries after the first attempt) and refuses the old max_attempts form, saying how to write it", () => {
    expect(errorsOf(workflow([{ ...pay, retry: 2, backoff_ms: 100 }]))).toEqual([]);
    expect(errorsOf(workflow([inventory, { ...pay, retry: { max_attempts: 3, backoff_ms: 100 } }]))).toEqual([
      { path: "flow.1.retry", message: expect.stringContaining('retry counts retries after the first attempt, as in error_handling.on_error; max_attempts is no longer accepted: write "retry": 2, "backoff_ms": 100 for 3 attempts in all') },
    ]);
    expect(errorsOf(workflow([{ ...pay, retry: { max_attempts: 1 } }]))[0]?.message).toMatch(/omit it for 1 attempt/);
  });

  it("reports every error at once through defineWorkflow with a catalog", () => {
    const errors = thrown(workflow([{ ...pay, role: "banker" }, { ...inventory, compensation: "forget" }, { ...pay, step: "pay" }]), true);
    expect(errors.map((e) => e.path).sort()).toEqual(["flow.0.role", "flow.1.compensation", "flow.2.step"]);
    expect(() => defineWorkflow(workflow([{ ...pay, role: "banker" }]), catalog)).toThrow(/workflow 'checked': flow\.0\.role: unknown role 'banker'/);
  });
});

describe("defineWorkflow (schema)", () => {
  const ok = workflow([pay]);

  it("accepts a well-formed definition and fills defaults", () => {
    const definition = defineWorkflow({ name: "tiny", version: "0.1.0", participants: { p: { type: "processing_agent" } }, flow: [{ step: "a", role: "p", action: "cancel_order" }] as FlowNode[] });
    expect(definition).toMatchObject({ description: "", input: { required: [] }, error_handling: { on_error: {} }, participants: { p: { min_count: 1, optional: false, constraints: {} } } });
    expect(definition.flow[0]).toEqual({ step: "a", role: "p", action: "cancel_order", input: {} });
  });

  it("rejects bad names, naming each path", () => {
    expect(thrown({ ...ok, name: "Order-Flow" })).toEqual([{ path: "name", message: expect.stringContaining("a workflow name") }]);
    expect(thrown({ ...ok, flow: [{ ...pay, step: "Pay now" }] })).toEqual([{ path: "flow.0.step", message: expect.stringContaining("a step name") }]);
    expect(thrown({ ...ok, flow: [{ ...pay, action: "1pay" }] })).toEqual([{ path: "flow.0.action", message: expect.stringContaining("an action") }]);
    expect(thrown({ ...ok, participants: { "Bad Role": { type: "processing_agent" } } }).map((e) => e.path)).toEqual(["participants.Bad Role"]);
    expect(thrown({ ...ok, version: "1.0" })).toEqual([{ path: "version", message: expect.stringContaining("semantic version") }]);
  });

  it("rejects unknown fields, at the top and inside nested flow nodes", () => {
    expect(thrown({ ...ok, owner: "me" })).toEqual([{ path: "owner", message: "unknown field" }]);
    expect(thrown({ ...ok, flow: [{ parallel: [[pay], [{ ...inventory, retries: 3 }]] }] })).toEqual([{ path: "flow.0.parallel.1.0.retries", message: "unknown field" }]);
    expect(thrown({ ...ok, participants: { p: { type: "processing_agent", count: 2 } } })).toEqual([{ path: "participants.p.count", message: "unknown field" }]);
  });

  it("rejects a parallel with a single branch", () => {
    expect(thrown({ ...ok, flow: [{ parallel: [[pay]] }] })).toEqual([{ path: "flow.0.parallel", message: expect.any(String) }]);
  });

  it("rejects a conditional whose `on` is not a reference", () => {
    expect(thrown({ ...ok, flow: [pay, { conditional: { on: "steps.pay.output.success", cases: [{ when: true, flow: [] }] } }] })).toEqual([
      { path: "flow.1.conditional.on", message: expect.stringContaining("must be a reference") },
    ]);
  });

  it("rejects a participant with both type and capability, or neither", () => {
    expect(thrown({ ...ok, participants: { p: { type: "processing_agent", capability: { processing: "orders" } } } })).toEqual([{ path: "participants.p", message: "give exactly one of type or capability" }]);
    expect(thrown({ ...ok, participants: { p: {} } })).toEqual([{ path: "participants.p", message: "give exactly one of type or capability" }]);
  });

  it("rejects an empty flow and an error rule that is neither retry nor compensate", () => {
    expect(thrown({ ...ok, flow: [] }).map((e) => e.path)).toEqual(["flow"]);
    expect(thrown({ ...ok, error_handling: { on_error: { boom: { compensate: false } } } }).map((e) => e.path)).toEqual(["error_handling.on_error.boom"]);
  });
});
