import { describe, expect, it } from "vitest";
import { parseRunInput, workflowInputFields } from "./workflow-form.js";

const definition = {
  name: "order_processing",
  input: { required: ["order_id", "amount", "items", "payment", "note"] },
  participants: { processor: { type: "processing_agent" }, notifier: { type: "notification_agent" } },
  flow: [
    { parallel: [[{ step: "check", role: "processor", action: "check_inventory", input: { order_id: "$.input.order_id", items: "$.input.items" } }]] },
    { step: "pay", role: "processor", action: "process_payment", input: { amount: "$.input.amount", payment: "$.input.payment" } },
    { conditional: { on: "$.steps.pay.output.success", cases: [{ when: true, flow: [{ step: "tell", role: "notifier", action: "send", input: { urgent: "$.input.urgent" } }] }] } },
  ],
};
const schema = (properties) => ({ type: "object", properties });
const agentTypes = [
  { name: "processing_agent", actions: {
    check_inventory: { input: schema({ order_id: { type: "string" }, items: { type: "integer" } }) },
    process_payment: { input: schema({ amount: { type: "number", description: "in cents" }, payment: { type: "string", enum: ["succeed", "fail"] } }) },
  } },
  { name: "notification_agent", actions: { send: { input: schema({ urgent: { type: "boolean" } }) } } },
];

describe("workflowInputFields", () => {
  it("types each required input by the action that reads it, nested flows included", () => {
    expect(workflowInputFields(definition, agentTypes)).toEqual([
      { name: "order_id", kind: "string", options: [], description: "" },
      { name: "amount", kind: "number", options: [], description: "in cents" },
      { name: "items", kind: "integer", options: [], description: "" },
      { name: "payment", kind: "enum", options: ["succeed", "fail"], description: "" },
      { name: "note", kind: "json", options: [], description: "" },
    ]);
  });

  it("finds a field read only inside a conditional case", () => {
    const fields = workflowInputFields({ ...definition, input: { required: ["urgent"] } }, agentTypes);
    expect(fields).toEqual([{ name: "urgent", kind: "boolean", options: [], description: "" }]);
  });

  it("falls back to free JSON without agent types, and to no fields without required inputs", () => {
    expect(workflowInputFields(definition).every((f) => f.kind === "json")).toBe(true);
    expect(workflowInputFields({ flow: [] }, agentTypes)).toEqual([]);
  });
});

describe("parseRunInput", () => {
  const fields = workflowInputFields(definition, agentTypes);

  it("builds the run input with each value in its type", () => {
    const parsed = parseRunInput(fields, { order_id: "o-1", amount: "42.5", items: "2", payment: "succeed", note: '{"gift":true}' });
    expect(parsed).toEqual({ ok: true, input: { order_id: "o-1", amount: 42.5, items: 2, payment: "succeed", note: { gift: true } } });
  });

  it("keeps a json field's text when it is not JSON", () => {
    const parsed = parseRunInput(fields, { order_id: "o-1", amount: "1", items: "1", payment: "fail", note: "leave at door" });
    expect(parsed.ok && parsed.input.note).toBe("leave at door");
  });

  it("names every wrong or missing field, and builds nothing", () => {
    const parsed = parseRunInput(fields, { order_id: " ", amount: "lots", items: "1.5", payment: "maybe", note: "x" });
    expect(parsed).toEqual({ ok: false, errors: [
      { path: "input.order_id", message: "is required" },
      { path: "input.amount", message: "must be a number" },
      { path: "input.items", message: "must be an integer" },
      { path: "input.payment", message: "must be one of succeed, fail" },
    ] });
  });
});
