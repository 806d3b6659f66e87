// The state of one workflow run as plain data: the run header, one record per step or
// await, and the context steps read their input from. The coordinator persists every
// change to it before acting on it.
import type { BoundAgent, RoleBinding } from "./binding.ts";
import type { AgentCallProblem } from "./errors.ts";

/** `compensating` after a failure or timeout, `cancelling` after a cancel: undoing what may have had its effect. */
export type RunStatus = "running" | "compensating" | "cancelling" | "completed" | "failed" | "compensated" | "cancelled" | "timed_out";
export const FINAL_STATUSES: readonly RunStatus[] = ["completed", "failed", "compensated", "cancelled", "timed_out"];

/** `cancelled`: the step's call was under way when the run was cancelled; its answer is not waited for. */
export type StepStatus = "pending" | "running" | "waiting" | "completed" | "failed" | "skipped" | "timed_out" | "cancelled";

/** Undoing one completed (or timed-out) compensable step. */
export type CompensationRecord = { status: "pending" | "running" | "completed" | "failed"; attempts: number; error: AgentCallProblem | null };

/** The workflow's `error_handling.on_timeout` action, run once when the run times out (never queued: it starts running). */
export type OnTimeoutRecord = { status: "running" | "completed" | "failed"; attempts: number; error: AgentCallProblem | null };

export type StepRecord = {
  name: string;
  kind: "step" | "await";
  status: StepStatus;
  attempts: number;
  agent: string | null;
  /** Why `agent` served the step's last attempt: how it was bound, its discovery score and parts (absent in runs stored before). */
  selection?: BoundAgent | null;
  startedAt: number | null;
  finishedAt: number | null;
  /** When a running step or a waiting await times out. */
  deadline: number | null;
  /** When a failed attempt is tried again. */
  retryAt: number | null;
  output: unknown;
  error: AgentCallProblem | null;
  compensation: CompensationRecord | null;
};

/** A step's retry moved its role from one agent to a spare, because the first proved it did not execute the call. */
export type RebindRecord = { step: string; role: string; from: string; to: string; reason: string; attempt: number; at: number };

export type RunFailure = { step: string | null; type: string; detail: string; outcome: "failed" | "timed_out" | "cancelled" };

export type RunState = {
  id: string;
  tenant: string;
  workflow: string;
  version: string;
  status: RunStatus;
  input: Record<string, unknown>;
  /** Role -> the agents bound to it (empty for an optional role that could not be bound). */
  bindings: Record<string, string[]>;
  /** Role -> the bound agents with why they were chosen, and the ranked spares a retry may rebind to (absent in runs stored before). */
  roles?: Record<string, RoleBinding>;
  /** Every rebinding, in order (absent in runs stored before). */
  rebinds?: RebindRecord[];
  steps: Record<string, StepRecord>;
  /** Conditional node path -> the chosen case index, or -1 for the default, -2 for none. */
  choices: Record<string, number>;
  /** Steps with a compensation whose effect may have happened (completed, or timed out), in that order; compensation runs in reverse. */
  compensable: string[];
  /** Participant events that arrived before their await opened. */
  inbox: { type: string; role: string | null; data: unknown; at: number }[];
  failure: RunFailure | null;
  onTimeout: OnTimeoutRecord | null;
  deadline: number | null;
  createdAt: number;
  updatedAt: number;
  /** Its shard (stream `workflow.<shard>`, runs-index shard), fixed when it starts; absent in runs stored before. */
  shard?: number;
};

export const newStepRecord = (name: string, kind: "step" | "await"): StepRecord => ({
  name,
  kind,
  status: "pending",
  attempts: 0,
  agent: null,
  startedAt: null,
  finishedAt: null,
  deadline: null,
  retryAt: null,
  output: null,
  error: null,
  compensation: null,
});

export const isFinal = (status: RunStatus): boolean => FINAL_STATUSES.includes(status);
