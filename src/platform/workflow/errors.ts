// How a failed agent call is described in a run: its error type (the agent's
// ActionError code, or the problem's slug, or `timeout`), status and detail. The
// workflow's `on_error` rules are keyed on the type.
import type { Problem } from "../problem.ts";

export type AgentCallProblem = { type: string; status: number; detail: string };

export const callProblem = (problem: Problem): AgentCallProblem => {
  const code = problem.extensions?.code;
  return {
    type: typeof code === "string" ? code : problem.type.slice(problem.type.lastIndexOf("/") + 1),
    status: problem.status,
    detail: problem.detail ?? problem.title,
  };
};

export const timeoutProblem = (what: string, ms: number): AgentCallProblem => ({ type: "timeout", status: 504, detail: `${what} did not finish within ${ms} ms` });

const slugOf = (problem: Problem): string => problem.type.slice(problem.type.lastIndexOf("/") + 1);

/**
 * Why the agent certainly did not execute a call, or null when it may have. Only these
 * answers let a retry move to another agent: the breaker refused it (`circuit_open`),
 * the bulkhead was full (`bulkhead_full`), the agent (or action) does not exist
 * (`not_found`), or the agent was not running (`agent_paused`, `agent_stopped`, ...).
 * Anything else (a timeout, a transport failure, an action's own error) may have had
 * its effect: that retry goes to the same agent with the same key.
 */
export const unexecutedReason = (problem: Problem): string | null => {
  const slug = slugOf(problem);
  if (problem.status === 503 && slug === "circuit-open") return "circuit_open";
  if (problem.status === 429 && slug === "bulkhead-full") return "bulkhead_full";
  if (problem.status === 404 && slug === "not-found") return "not_found";
  const status = problem.extensions?.agentStatus;
  if (problem.status === 409 && slug === "conflict" && typeof status === "string" && status !== "running") return `agent_${status}`;
  return null;
};
