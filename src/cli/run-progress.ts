// `jido workflows run --wait` reads a run after each of its transitions: what changed
// between two readings, as one line per transition (the run's status, each step's status,
// attempt, agent and compensation), and how many steps have finished, for the bar.
import type { RunView } from "../client/index.ts";
import { FINAL_STATUSES, type RunStatus } from "../platform/workflow/run-state.ts";

type Step = RunView["steps"][number];
const STEP_DONE = new Set(["completed", "failed", "skipped", "timed_out", "cancelled"]);

export const isFinal = (status: string): boolean => FINAL_STATUSES.includes(status as RunStatus);

const stepLine = (step: Step): string => {
  const parts = [`step ${step.name}: ${step.status}`];
  const facts: string[] = [];
  if (step.agent) facts.push(`agent ${step.agent}`);
  if (step.attempts > 1) facts.push(`attempt ${step.attempts}`);
  if (step.durationMs !== null && STEP_DONE.has(step.status)) facts.push(`${step.durationMs} ms`);
  if (step.error && step.status !== "completed") facts.push(step.error.detail);
  if (facts.length) parts.push(`(${facts.join(", ")})`);
  return parts.join(" ");
};

/** The transitions from `before` (null: nothing seen yet) to `after`, in step order, the run's own last. */
export const transitions = (before: RunView | null, after: RunView): string[] => {
  const lines: string[] = [];
  const seen = new Map((before?.steps ?? []).map((step) => [step.name, step]));
  for (const step of after.steps) {
    const was = seen.get(step.name);
    // Pending steps are announced when they start, not when the run is first seen.
    if (!was ? step.status !== "pending" : was.status !== step.status || was.attempts !== step.attempts || was.agent !== step.agent) lines.push(stepLine(step));
    const compensation = step.compensation?.status;
    if (compensation && compensation !== was?.compensation?.status) lines.push(`step ${step.name}: compensation ${compensation}`);
  }
  if (!before || before.status !== after.status) lines.push(`run ${after.id}: ${after.status}`);
  return lines;
};

/** Steps that will not run again (completed, failed, skipped, timed out, cancelled) out of all. */
export const stepsDone = (run: RunView): { done: number; total: number } => ({
  done: run.steps.filter((step) => STEP_DONE.has(step.status)).length,
  total: run.steps.length,
});
