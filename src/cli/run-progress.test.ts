import { describe, expect, it } from "vitest";
import type { RunView } from "../client/index.ts";
import { isFinal, stepsDone, transitions } from "./run-progress.ts";

type Step = RunView["steps"][number];
const step = (name: string, status: Step["status"], extra: Partial<Step> = {}): Step => ({
  name, kind: "step", status, attempts: status === "pending" ? 0 : 1, agent: null, selection: null, startedAt: null, finishedAt: null,
  durationMs: null, deadline: null, retryAt: null, output: null, error: null, compensation: null, ...extra,
});
const run = (status: RunView["status"], steps: Step[]): RunView =>
  ({ id: "run_1", workflow: "w", version: "1.0.0", status, steps }) as unknown as RunView;

describe("transitions", () => {
  it("announces started steps and the run's status when first seen", () => {
    const first = run("running", [step("validate", "running", { agent: "validator-us-1" }), step("charge", "pending")]);
    expect(transitions(null, first)).toEqual(["step validate: running (agent validator-us-1)", "run run_1: running"]);
  });

  it("prints each change once: status, retries, compensation, the run's end", () => {
    const a = run("running", [step("validate", "running", { agent: "v1" }), step("charge", "pending")]);
    const b = run("running", [step("validate", "completed", { agent: "v1", durationMs: 12 }), step("charge", "running", { agent: "p1" })]);
    const c = run("running", [step("validate", "completed", { agent: "v1", durationMs: 12 }), step("charge", "running", { agent: "p2", attempts: 2 })]);
    const d = run("compensating", [
      step("validate", "completed", { agent: "v1", durationMs: 12, compensation: { status: "running", attempts: 1, error: null } }),
      step("charge", "failed", { agent: "p2", attempts: 2, durationMs: 5, error: { type: "declined", status: 422, detail: "card declined" } }),
    ]);
    expect(transitions(a, b)).toEqual(["step validate: completed (agent v1, 12 ms)", "step charge: running (agent p1)"]);
    expect(transitions(b, c)).toEqual(["step charge: running (agent p2, attempt 2)"]);
    expect(transitions(c, d)).toEqual([
      "step validate: compensation running",
      "step charge: failed (agent p2, attempt 2, 5 ms, card declined)",
      "run run_1: compensating",
    ]);
    expect(transitions(d, d)).toEqual([]);
  });
});

describe("stepsDone and isFinal", () => {
  it("counts steps that will not run again", () => {
    expect(stepsDone(run("running", [step("a", "completed"), step("b", "skipped"), step("c", "running"), step("d", "pending")]))).toEqual({ done: 2, total: 4 });
    expect(isFinal("completed")).toBe(true);
    expect(isFinal("compensating")).toBe(false);
  });
});
