import { describe, expect, it } from "vitest";
import { runTransitions } from "./run-live.ts";

const item = (sequence: number, event: Record<string, unknown>) => ({ sequence, event: JSON.stringify(event) });
const mine = { id: "run-1", workflow: "order_processing" };
const of = (id: string, type: string, workflow = "order_processing") => ({ source: `workflow/${workflow}/${id}`, subject: id, type });

describe("runTransitions", () => {
  const { keep, last } = runTransitions(mine);

  it("keeps the run's own transitions only", () => {
    expect(keep(item(1, of("run-1", "workflow.run.started")))).toBe(true);
    expect(keep(item(2, of("run-2", "workflow.run.started")))).toBe(false);
    // Another workflow's run with the same id is another run.
    expect(keep(item(3, of("run-1", "workflow.run.started", "other")))).toBe(false);
    expect(keep({ sequence: 4, event: "not json" })).toBe(false);
  });

  it("ends at a final status, not at a failing or step transition", () => {
    for (const status of ["completed", "failed", "compensated", "cancelled", "timed_out"]) expect(last(item(1, of("run-1", `workflow.run.${status}`))), status).toBe(true);
    for (const type of ["workflow.run.started", "workflow.run.failing", "workflow.step.failed", "workflow.step.completed"]) expect(last(item(1, of("run-1", type))), type).toBe(false);
  });
});
