// The agent lifecycle as a table of allowed transitions, so every route answers a
// conflict the same way: 409 naming the current status.
import { conflict, type ProblemError } from "../problem.ts";
import type { AgentStatus } from "./agent-meta.ts";

export type LifecycleOp = "call" | "pause" | "resume" | "stop" | "start";

/** For each operation: the statuses it applies to, and those where it is already done. */
const RULES: Record<LifecycleOp, { from: readonly AgentStatus[]; done: readonly AgentStatus[] }> = {
  call: { from: ["running"], done: [] },
  pause: { from: ["running"], done: ["paused"] },
  resume: { from: ["paused"], done: ["running"] },
  stop: { from: ["running", "paused", "failed", "starting"], done: ["stopped", "stopping"] },
  // Runs onStart again on the kept state; a running agent has started already.
  start: { from: ["stopped", "failed"], done: ["running"] },
};

const WHY: Partial<Record<AgentStatus, string>> = {
  paused: "is paused; resume it first",
  stopping: "is stopping",
  stopped: "is stopped",
  failed: "failed to start; start it again",
  starting: "is still starting",
};

/** "apply" to perform the transition, "noop" when already there; throws 409 otherwise. */
export const checkTransition = (op: LifecycleOp, id: string, status: AgentStatus): "apply" | "noop" => {
  const rule = RULES[op];
  if (rule.done.includes(status)) return "noop";
  if (rule.from.includes(status)) return "apply";
  throw lifecycleConflict(op, id, status);
};

export const lifecycleConflict = (op: LifecycleOp, id: string, status: AgentStatus): ProblemError =>
  conflict(`Cannot ${op === "call" ? "call an action of" : op} agent '${id}': it ${WHY[status] ?? `is ${status}`}.`, {
    agentStatus: status,
  });
