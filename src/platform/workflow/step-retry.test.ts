import { describe, expect, it } from "vitest";
import { defineWorkflow } from "./define-workflow.ts";
import { type FlowNode, isStep, type StepNode, type WorkflowDefinition } from "./definition.ts";
import { RETRY_MAX_DELAY_MS, retryDelay, retryPlan } from "./step-retry.ts";

const withStep = (step: Record<string, unknown>, onError: Record<string, unknown> = {}): { definition: WorkflowDefinition; node: StepNode } => {
  const definition = defineWorkflow({
    name: "wf",
    version: "1.0.0",
    participants: { p: { type: "worker" } },
    flow: [{ step: "a", role: "p", action: "work", ...step } as FlowNode],
    error_handling: { on_error: onError as never },
  });
  const node = definition.flow[0]!;
  if (!isStep(node)) throw new Error("not a step");
  return { definition, node };
};

describe("retryPlan: retry n means n retries after the first attempt, everywhere", () => {
  it("a step's retry and an on_error rule with the same n give the same plan", () => {
    const step = withStep({ retry: 3, backoff_ms: 100 });
    const rule = withStep({}, { flaky: { retry: 3, backoff_ms: 100 } });
    expect(retryPlan(step.definition, step.node, "flaky")).toEqual({ retries: 3, backoffMs: 100 });
    expect(retryPlan(rule.definition, rule.node, "flaky")).toEqual({ retries: 3, backoffMs: 100 });
  });

  it("the on_error rule for the type wins over the step's own retry; compensate means no retry", () => {
    const { definition, node } = withStep({ retry: 5 }, { flaky: { retry: 1, backoff_ms: 0 }, payment_failed: { compensate: true } });
    expect(retryPlan(definition, node, "flaky")).toEqual({ retries: 1, backoffMs: 0 });
    expect(retryPlan(definition, node, "payment_failed")).toBe("compensate");
    expect(retryPlan(definition, node, "other")).toEqual({ retries: 5, backoffMs: 500 });
  });

  it("no rule and no step retry: no retry", () => {
    const { definition, node } = withStep({});
    expect(retryPlan(definition, node, "boom")).toBeNull();
  });

  it("a stored definition's old step retry keeps its meaning: max_attempts counted attempts", () => {
    const { definition, node } = withStep({ retry: { max_attempts: 3, backoff_ms: 50 } });
    expect(retryPlan(definition, node, "boom")).toEqual({ retries: 2, backoffMs: 50 });
    const once = withStep({ retry: { max_attempts: 1 } });
    expect(retryPlan(once.definition, once.node, "boom")).toBeNull();
  });
});

describe("retryDelay: the platform's schedule, doubling, capped, with equal jitter", () => {
  const plan = { retries: 20, backoffMs: 1_000 };

  it("doubles from backoff_ms; a draw of 1 is the full delay, 0 half of it", () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelay(plan, attempt, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect([1, 2, 3, 4].map((attempt) => retryDelay(plan, attempt, () => 0))).toEqual([500, 1_000, 2_000, 4_000]);
  });

  it("never waits longer than the cap, however many retries", () => {
    expect(retryDelay(plan, 20, () => 1)).toBe(RETRY_MAX_DELAY_MS);
    expect(retryDelay(plan, 20, () => 0)).toBe(RETRY_MAX_DELAY_MS / 2);
  });

  it("a backoff_ms longer than the cap is kept as the delay", () => {
    expect(retryDelay({ retries: 3, backoffMs: 3_600_000 }, 3, () => 1)).toBe(3_600_000);
  });

  it("no backoff is no delay", () => {
    expect(retryDelay({ retries: 3, backoffMs: 0 }, 2, () => 0.5)).toBe(0);
  });
});
