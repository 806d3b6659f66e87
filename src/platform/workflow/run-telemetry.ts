// The telemetry a run transition stands for, emitted by the coordinator after it
// persisted the transition: a run ending (with its final status), a step's outcome with
// its duration, a compensation's outcome. Read from the transition's own events and
// the new state, so the interpreter stays free of telemetry and nothing is counted
// that was not committed.
import type { Telemetry } from "../telemetry/emitter.ts";
import type { Transition } from "./run-work.ts";
import { isFinal, type RunState, type RunStatus } from "./run-state.ts";

const STEP_OUTCOMES: Record<string, string> = {
  "workflow.step.completed": "completed",
  "workflow.step.failed": "failed",
  "workflow.step.timed_out": "timed_out",
};
const COMPENSATIONS: Record<string, string> = { "workflow.step.compensated": "completed", "workflow.step.compensation_failed": "failed" };

const stepOf = (data: unknown): string | null =>
  typeof data === "object" && data !== null && typeof (data as { step?: unknown }).step === "string" ? (data as { step: string }).step : null;

export const emitRunTelemetry = (telemetry: Telemetry, state: RunState, events: readonly Transition[], now: number): void => {
  const attributes = { tenant: state.tenant, workflow: state.workflow };
  for (const event of events) {
    const outcome = STEP_OUTCOMES[event.type];
    if (outcome) {
      const record = state.steps[stepOf(event.data) ?? ""];
      const started = record?.startedAt ?? null;
      telemetry.emit("workflow.step.finished", { duration_ms: started === null ? 0 : Math.max(0, (record?.finishedAt ?? now) - started) }, { ...attributes, outcome });
      continue;
    }
    const compensation = COMPENSATIONS[event.type];
    if (compensation) {
      telemetry.emit("workflow.compensation", { count: 1 }, { ...attributes, outcome: compensation });
      continue;
    }
    const status = event.type.startsWith("workflow.run.") ? (event.type.slice("workflow.run.".length) as RunStatus) : null;
    if (status && isFinal(status)) telemetry.emit("workflow.run.finished", { count: 1 }, { ...attributes, status });
  }
};
